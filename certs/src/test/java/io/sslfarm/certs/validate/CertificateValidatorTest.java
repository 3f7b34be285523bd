package io.sslfarm.certs.validate;

import static io.sslfarm.certs.Rejections.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.certs.CertificateRejectedException.Reason;
import io.sslfarm.certs.Openssl;
import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.certs.gen.KeyType;
import io.sslfarm.certs.gen.SelfSigned;
import io.sslfarm.certs.pem.PemCodec;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateValidatorTest {

  @TempDir
  static Path caDir;
  static DevCa ca;

  @TempDir
  Path dir;

  private final CertificateValidator validator = new CertificateValidator();

  @BeforeAll
  static void createCa() throws Exception {
    ca = DevCa.loadOrCreate(caDir);
  }

  @Test
  void issuedChain_validated_namesWildcardsAndFingerprint() throws Exception {
    GeneratedCertificate g = ca.issue(List.of("Shop.Example.com.", "*.api.example.com", "127.0.0.1"),
        Duration.ofDays(90), KeyType.EC_P256);
    ValidatedCertificate v = validator.validate(g.chainPem(), g.keyPem(), null);

    assertThat(v.names()).containsExactly("shop.example.com", "*.api.example.com"); // IP SANs are not SNI names
    assertThat(v.chain()).hasSize(2);
    assertThat(v.warnings()).isEmpty();
    assertThat(v.notAfter()).isEqualTo(g.leaf().getNotAfter().toInstant());
    assertThat(v.toString()).doesNotContain("PRIVATE").contains(v.fingerprint());

    Openssl o = new Openssl(dir);
    o.write("leaf.pem", PemCodec.writeCertificates(List.of(g.leaf())));
    String out = o.run("x509", "-in", "leaf.pem", "-noout", "-fingerprint", "-sha256");
    String expected = out.substring(out.indexOf('=') + 1).trim().replace(":", "").toLowerCase(Locale.ROOT);
    assertThat(v.fingerprint()).isEqualTo(expected).hasSize(64);
  }

  @Test
  void opensslRsaPkcs1Chain_validated() throws Exception {
    Openssl o = new Openssl(dir);
    o.run("genrsa", "-traditional", "-out", "k.pem", "2048");
    String cert = o.selfSigned("k.pem", "c.pem", "/CN=rsa.example.com", "DNS:rsa.example.com,DNS:*.rsa.example.com");
    ValidatedCertificate v = validator.validate(cert, o.read("k.pem"), null);
    assertThat(v.names()).containsExactly("rsa.example.com", "*.rsa.example.com");
  }

  @Test
  void noSan_fallsBackToCommonName() throws Exception {
    Openssl o = new Openssl(dir);
    o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    String cert = o.selfSigned("k.pem", "c.pem", "/O=Legacy/CN=Legacy.Example.COM", null);
    assertThat(validator.validate(cert, o.read("k.pem"), null).names()).containsExactly("legacy.example.com");
  }

  @Test
  void sanPresent_commonNameIgnored() throws Exception {
    Openssl o = new Openssl(dir);
    o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    String cert = o.selfSigned("k.pem", "c.pem", "/CN=cn-only.example.com", "DNS:san.example.com");
    assertThat(validator.validate(cert, o.read("k.pem"), null).names()).containsExactly("san.example.com");
  }

  @Test
  void noDnsNameAtAll_rejected() throws Exception {
    Openssl o = new Openssl(dir);
    o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    String cert = o.selfSigned("k.pem", "c.pem", "/O=Nameless", "IP:10.0.0.1");
    assertRejected(() -> validator.validate(cert, o.read("k.pem"), null), Reason.NO_NAMES,
        "certificate O=Nameless has no DNS name (no subjectAltName DNS entry and no CN)");
  }

  @Test
  void keyOfAnotherCertificate_rejected() throws Exception {
    GeneratedCertificate g = ca.issue("a.example.com");
    GeneratedCertificate other = ca.issue("b.example.com");
    assertRejected(() -> validator.validate(g.chainPem(), other.keyPem(), null), Reason.KEY_MISMATCH,
        "private key does not match certificate CN=a.example.com");
  }

  @Test
  void rsaKeyForEcCertificate_rejectedWithBothTypes() throws Exception {
    GeneratedCertificate g = ca.issue("a.example.com");
    GeneratedCertificate rsa = SelfSigned.generate(List.of("r.example"), Duration.ofDays(3), KeyType.RSA_2048);
    assertRejected(() -> validator.validate(g.chainPem(), rsa.keyPem(), null), Reason.KEY_MISMATCH,
        "private key does not match certificate CN=a.example.com (the key is RSA 2048, the certificate's key is"
            + " EC P-256)");
  }

  @Test
  void chainNotSignedByNext_rejected() throws Exception {
    GeneratedCertificate g = ca.issue("a.example.com");
    GeneratedCertificate stranger = SelfSigned.generate(List.of("stranger.example"), Duration.ofDays(3),
        KeyType.EC_P256);
    String pem = PemCodec.writeCertificates(List.of(g.leaf(), stranger.leaf()));
    assertRejected(() -> validator.validate(pem, g.keyPem(), null), Reason.CHAIN_ORDER,
        "chain: certificate 2 did not sign certificate 1 (certificate 1 was issued by ");
  }

  @Test
  void thirdCertificateWrong_reportsCertificates3And2() throws Exception {
    GeneratedCertificate g = ca.issue("a.example.com");
    GeneratedCertificate stranger = SelfSigned.generate(List.of("stranger.example"), Duration.ofDays(3),
        KeyType.EC_P256);
    String pem = PemCodec.writeCertificates(List.of(g.leaf(), ca.certificate(), stranger.leaf()));
    assertRejected(() -> validator.validate(pem, g.keyPem(), null), Reason.CHAIN_ORDER,
        "chain: certificate 3 did not sign certificate 2");
  }

  @Test
  void chainReversed_rejectedWithLeafFirstHint() throws Exception {
    GeneratedCertificate g = ca.issue("a.example.com");
    String pem = PemCodec.writeCertificates(List.of(ca.certificate(), g.leaf()));
    assertRejected(() -> validator.validate(pem, g.keyPem(), null), Reason.KEY_MISMATCH,
        "private key does not match certificate CN=sslfarm dev CA ");
    try {
      validator.validate(pem, g.keyPem(), null);
    } catch (Exception e) {
      assertThat(e.getMessage()).contains("it matches certificate 2 (CN=a.example.com)")
          .endsWith("the chain must start with the leaf");
    }
  }

  @Test
  void expiredLeaf_rejectedWithDate() throws Exception {
    Instant notAfter = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    GeneratedCertificate g = ca.issue(List.of("old.example.com"), notAfter.minus(Duration.ofDays(30)), notAfter,
        KeyType.EC_P256);
    assertRejected(() -> validator.validate(g.chainPem(), g.keyPem(), null), Reason.EXPIRED,
        "certificate CN=old.example.com expired on " + notAfter);
  }

  @Test
  void notYetValidLeaf_rejected() throws Exception {
    Instant notBefore = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    GeneratedCertificate g = ca.issue(List.of("future.example.com"), notBefore, notBefore.plus(Duration.ofDays(30)),
        KeyType.EC_P256);
    assertRejected(() -> validator.validate(g.chainPem(), g.keyPem(), null), Reason.NOT_YET_VALID,
        "certificate CN=future.example.com is not valid before " + notBefore);
  }

  @Test
  void expiredIntermediate_rejectedNamingIt() throws Exception {
    GeneratedCertificate leaf = ca.issue("a.example.com");
    // a clock 20 years ahead: leaf (397 days) expires first
    Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(20 * 365)), ZoneOffset.UTC);
    assertRejected(() -> new CertificateValidator(30, later).validate(leaf.chainPem(), leaf.keyPem(), null),
        Reason.EXPIRED, "certificate CN=a.example.com expired on ");
    GeneratedCertificate longLeaf = ca.issue(List.of("long.example.com"), Instant.now().minus(Duration.ofDays(1)),
        Instant.now().plus(Duration.ofDays(30 * 365)), KeyType.EC_P256);
    assertRejected(() -> new CertificateValidator(30, later).validate(longLeaf.chainPem(), longLeaf.keyPem(), null),
        Reason.EXPIRED, "chain: certificate 2 (CN=sslfarm dev CA ");
  }

  @Test
  void expiringSoon_acceptedWithWarning() throws Exception {
    GeneratedCertificate g = ca.issue(List.of("soon.example.com"), Duration.ofDays(10).plusHours(2),
        KeyType.EC_P256);
    ValidatedCertificate v = new CertificateValidator(30, Clock.systemUTC()).validate(g.chainPem(), g.keyPem(), null);
    assertThat(v.warnings()).singleElement().asString()
        .startsWith("certificate CN=soon.example.com expires in 10 days (on ");
    assertThat(new CertificateValidator(7, Clock.systemUTC()).validate(g.chainPem(), g.keyPem(), null).warnings())
        .isEmpty();
    assertThat(new CertificateValidator(0, Clock.systemUTC()).validate(g.chainPem(), g.keyPem(), null).warnings())
        .isEmpty();
  }

  @Test
  void selfSignedRsa4096FromGenerator_validated() throws Exception {
    GeneratedCertificate g = SelfSigned.generate(List.of("big.example"), Duration.ofDays(2), KeyType.RSA_4096);
    ValidatedCertificate v = validator.validate(g.chainPem(), g.keyPem(), null);
    X509Certificate leaf = v.leaf();
    assertThat(PemCodec.describeKey(leaf.getPublicKey())).isEqualTo("RSA 4096");
    assertThat(v.warnings()).singleElement().asString().contains("expires in 1 days");
  }
}
