package io.sslfarm.cluster.seal;

/** A sealed secret could not be opened (wrong master key, altered or misplaced value). Never carries key bytes. */
public final class SealException extends Exception {

  public SealException(String message) {
    super(message);
  }
}
