package io.sslfarm.cluster.seal;

import java.util.Objects;

/** A sealed secret could not be opened (wrong master key, altered or misplaced value). Never carries key bytes. */
public final class SealException extends Exception {

  /** Why, as far as the sealer can tell. */
  public enum Kind {
    /** Not a sealed value, or a format this node does not know. */
    FORMAT,
    /** Format 1 (associated data not bound to the value's metadata) presented where format 2 is required. */
    LEGACY_FORMAT,
    /** Sealed under another master key (the key id differs). */
    OTHER_KEY,
    /** This master key, but the tag fails: the value or its metadata was altered, or it belongs to another entry. */
    TAG
  }

  private final Kind kind;

  public SealException(String message) {
    this(Kind.FORMAT, message);
  }

  public SealException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }
}
