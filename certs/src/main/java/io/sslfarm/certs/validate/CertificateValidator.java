package io.sslfarm.certs.validate;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertificateRejectedException.Reason;
import io.sslfarm.certs.pem.PemCodec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * Checks an uploaded chain and key before anything is stored, in this order: key type and size (while parsing), key
 * matches the leaf, chain order (leaf first, each certificate signed by the next), validity of every certificate,
 * names. The first problem found is thrown with a message that names the certificate; expiring-soon findings come
 * back as warnings. Certificates are numbered from 1 in file order, as an operator sees them.
 *
 * <p>Chain trust (a root the clients know) is not checked: the farm serves what the operator gives it. Immutable and
 * thread-safe; the work is CPU only (PEM decoding, one signature per certificate, PBKDF for encrypted keys), so call
 * it off event loops.
 */
public final class CertificateValidator {

  /** Default for {@link #CertificateValidator(int, Clock)}: warn when fewer than 30 days remain. */
  public static final int DEFAULT_EXPIRY_WARNING_DAYS = 30;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SAN_DNS = 2;

  private final int expiryWarningDays;
  private final Clock clock;

  /**
   * @param expiryWarningDays warn when the leaf (or a chain certificate) expires within this many days; 0 = never
   * @param clock             "now" for validity checks
   */
  public CertificateValidator(int expiryWarningDays, Clock clock) {
    if (expiryWarningDays < 0) {
      throw new IllegalArgumentException("expiryWarningDays must be >= 0, got " + expiryWarningDays);
    }
    this.expiryWarningDays = expiryWarningDays;
    this.clock = clock;
  }

  public CertificateValidator() {
    this(DEFAULT_EXPIRY_WARNING_DAYS, Clock.systemUTC());
  }

  /** Parses and validates PEM input; {@code passphrase} only for encrypted keys (may be null). */
  public ValidatedCertificate validate(String chainPem, String keyPem, char[] passphrase)
      throws CertificateRejectedException {
    List<X509Certificate> chain = PemCodec.readChain(chainPem);
    PrivateKey key = PemCodec.readPrivateKey(keyPem, passphrase);
    return validate(chain, key);
  }

  /** Validates a parsed chain (leaf first) and key. */
  public ValidatedCertificate validate(List<X509Certificate> chain, PrivateKey key) throws CertificateRejectedException {
    if (chain.isEmpty()) {
      throw new CertificateRejectedException(Reason.MALFORMED_PEM, "certificate chain is empty");
    }
    X509Certificate leaf = chain.get(0);
    checkKeyMatches(chain, key);
    checkOrder(chain);
    List<String> warnings = new ArrayList<>();
    Instant now = clock.instant();
    for (int i = 0; i < chain.size(); i++) {
      checkValidity(chain.get(i), i, now, warnings);
    }
    List<String> names = names(leaf);
    return new ValidatedCertificate(chain, key, names, leaf.getNotBefore().toInstant(),
        leaf.getNotAfter().toInstant(), fingerprint(leaf), warnings);
  }

  /** SHA-256 of the certificate's DER encoding, lower-case hex without separators. */
  public static String fingerprint(X509Certificate cert) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot fingerprint certificate", e);
    }
  }

  /** The subject as an operator reads it ({@code CN=a.example.com,O=Example}). */
  public static String subject(X509Certificate cert) {
    return cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
  }

  /**
   * The DNS names a leaf serves: SAN DNS entries (wildcards kept), lower case, trailing dot removed, duplicates
   * dropped; only when there is no SAN DNS entry, the subject CN.
   */
  public static List<String> names(X509Certificate leaf) throws CertificateRejectedException {
    Set<String> names = new LinkedHashSet<>();
    Collection<List<?>> sans;
    try {
      sans = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new CertificateRejectedException(Reason.MALFORMED_PEM,
          "certificate " + subject(leaf) + ": subjectAltName extension is malformed");
    }
    if (sans != null) {
      for (List<?> san : sans) {
        if (san.size() >= 2 && san.get(0) instanceof Integer type && type == SAN_DNS && san.get(1) instanceof String s) {
          String n = normalizeName(s);
          if (!n.isEmpty()) {
            names.add(n);
          }
        }
      }
    }
    if (names.isEmpty()) {
      String cn = commonName(leaf);
      if (cn != null && !normalizeName(cn).isEmpty()) {
        names.add(normalizeName(cn));
      }
    }
    if (names.isEmpty()) {
      throw new CertificateRejectedException(Reason.NO_NAMES, "certificate " + subject(leaf)
          + " has no DNS name (no subjectAltName DNS entry and no CN)");
    }
    return List.copyOf(names);
  }

  /** Lower case, one trailing dot removed: the form names are stored and looked up in. */
  public static String normalizeName(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  private static String commonName(X509Certificate cert) {
    X500Name x500 = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    RDN[] cns = x500.getRDNs(BCStyle.CN);
    if (cns.length == 0) {
      return null;
    }
    var value = cns[cns.length - 1].getFirst().getValue(); // most specific CN
    return value instanceof ASN1String s ? s.getString() : value.toString();
  }

  private static void checkKeyMatches(List<X509Certificate> chain, PrivateKey key) throws CertificateRejectedException {
    X509Certificate leaf = chain.get(0);
    if (matches(key, leaf.getPublicKey())) {
      return;
    }
    for (int i = 1; i < chain.size(); i++) {
      if (matches(key, chain.get(i).getPublicKey())) {
        throw new CertificateRejectedException(Reason.KEY_MISMATCH, "private key does not match certificate "
            + subject(leaf) + " (certificate 1); it matches certificate " + (i + 1) + " (" + subject(chain.get(i))
            + "): the chain must start with the leaf");
      }
    }
    String detail = key.getAlgorithm().equals(leaf.getPublicKey().getAlgorithm()) ? ""
        : " (the key is " + PemCodec.describeKey(key) + ", the certificate's key is "
            + PemCodec.describeKey(leaf.getPublicKey()) + ")";
    throw new CertificateRejectedException(Reason.KEY_MISMATCH,
        "private key does not match certificate " + subject(leaf) + detail);
  }

  /** True if {@code key} signs what {@code pub} verifies (RSA and EC keys): the check made when a record is opened. */
  public static boolean keyMatches(PrivateKey key, PublicKey pub) {
    return matches(key, pub);
  }

  /** True if {@code key} signs what {@code pub} verifies: works for every key type, whatever the key's encoding. */
  private static boolean matches(PrivateKey key, PublicKey pub) {
    if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
      return false;
    }
    String alg = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> null;
    };
    if (alg == null) {
      return false;
    }
    try {
      byte[] challenge = new byte[32];
      RANDOM.nextBytes(challenge);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(challenge);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(pub);
      v.update(challenge);
      return v.verify(sig);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false; // e.g. an EC key on another curve than the certificate's
    }
  }

  private static void checkOrder(List<X509Certificate> chain) throws CertificateRejectedException {
    for (int i = 0; i + 1 < chain.size(); i++) {
      X509Certificate child = chain.get(i);
      X509Certificate parent = chain.get(i + 1);
      boolean signed;
      try {
        child.verify(parent.getPublicKey());
        signed = true;
      } catch (GeneralSecurityException | RuntimeException e) {
        signed = false;
      }
      if (!signed || !child.getIssuerX500Principal().equals(parent.getSubjectX500Principal())) {
        throw new CertificateRejectedException(Reason.CHAIN_ORDER, "chain: certificate " + (i + 2)
            + " did not sign certificate " + (i + 1) + " (certificate " + (i + 1) + " was issued by "
            + child.getIssuerX500Principal().getName(X500Principal.RFC2253) + "; certificate " + (i + 2) + " is "
            + subject(parent) + "); order the chain leaf first, then each issuer");
      }
    }
  }

  private void checkValidity(X509Certificate cert, int index, Instant now, List<String> warnings)
      throws CertificateRejectedException {
    String which = index == 0 ? "certificate " + subject(cert)
        : "chain: certificate " + (index + 1) + " (" + subject(cert) + ")";
    Instant notBefore = cert.getNotBefore().toInstant();
    Instant notAfter = cert.getNotAfter().toInstant();
    if (now.isAfter(notAfter)) {
      throw new CertificateRejectedException(Reason.EXPIRED, which + " expired on " + notAfter);
    }
    if (now.isBefore(notBefore)) {
      throw new CertificateRejectedException(Reason.NOT_YET_VALID, which + " is not valid before " + notBefore);
    }
    Duration left = Duration.between(now, notAfter);
    if (expiryWarningDays > 0 && left.compareTo(Duration.ofDays(expiryWarningDays)) < 0) {
      warnings.add(which + " expires in " + left.toDays() + " days (on " + notAfter.truncatedTo(ChronoUnit.SECONDS)
          + ")");
    }
  }
}
