package io.sslfarm.certs;

import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Objects;

/**
 * A certificate or private key was refused: bad PEM, unsupported key, chain or validity problem, or a stored record
 * that does not open on this node. The message says exactly what is wrong and is safe to show to an operator (it
 * never contains key material); {@link #reason()} is the metric tag.
 */
public final class CertificateRejectedException extends CertificateException {

  /** Why; {@link #tag()} is the lower-case metric tag. */
  public enum Reason {
    /** Not PEM, empty, truncated, or the wrong kind of PEM block. */
    MALFORMED_PEM,
    /** An encrypted key without a passphrase, or a passphrase that does not decrypt it. */
    BAD_PASSPHRASE,
    /** A key algorithm or curve the farm does not serve (Ed25519, P-521, DSA, explicit curve parameters). */
    UNSUPPORTED_KEY,
    /** An RSA key shorter than 2048 bits or longer than 4096. */
    KEY_SIZE,
    /** The private key is not the leaf certificate's. */
    KEY_MISMATCH,
    /** A chain of more certificates than {@code PemCodec.MAX_CHAIN_LENGTH}. */
    CHAIN_TOO_LONG,
    /**
     * An encrypted key whose key derivation is costlier than the farm's bounds (PBKDF2 / PKCS#12 iterations, scrypt
     * N·r·p and memory): decrypting it would hold a thread or the heap for as long as the uploader chose.
     */
    KDF_TOO_COSTLY,
    /** The chain is not leaf first with each certificate signed by the next. */
    CHAIN_ORDER,
    /** A certificate of the chain is past its notAfter. */
    EXPIRED,
    /** A certificate of the chain is before its notBefore. */
    NOT_YET_VALID,
    /** The leaf has no DNS name (no SAN DNS entry and no CN). */
    NO_NAMES,
    /** The certificate id is not {@code [a-z0-9._-]{1,64}}. */
    BAD_ID,
    /** A stored record does not open on this node (wrong master key, altered record, or metadata swapped). */
    UNSEALABLE,
    /**
     * A stored record whose version is not newer than one this node already accepted for that id (an older or removed
     * record put back), or that was sealed in format 1, which does not bind the version.
     */
    REPLAYED;

    public String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final Reason reason;

  public CertificateRejectedException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public CertificateRejectedException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
