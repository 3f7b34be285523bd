package io.sslfarm.certs.pem;

import static org.assertj.core.api.Assertions.assertThat;
import static io.sslfarm.certs.Rejections.assertRejected;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertificateRejectedException.Reason;
import io.sslfarm.certs.Openssl;
import io.sslfarm.certs.gen.KeyType;
import io.sslfarm.certs.gen.SelfSigned;
import io.sslfarm.certs.validate.CertificateValidator;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every accepted key format and every PEM rejection, on files made by the openssl CLI in the test. */
class PemCodecTest {

  @TempDir
  Path dir;

  private Openssl openssl() {
    return new Openssl(dir);
  }

  /** Reads the key, then proves it is the one openssl made by validating a self-signed cert for it. */
  private PrivateKey acceptAndMatch(String keyFile, char[] pass) throws Exception {
    Openssl o = openssl();
    PrivateKey key = PemCodec.readPrivateKey(o.read(keyFile), pass);
    String plain = keyFile;
    if (pass != null) {
      o.run("pkey", "-in", keyFile, "-passin", "pass:" + new String(pass), "-out", "plain-" + keyFile);
      plain = "plain-" + keyFile;
    }
    String cert = o.selfSigned(plain, "c-" + keyFile + ".pem", "/CN=fmt.example.com", "DNS:fmt.example.com");
    assertThat(new CertificateValidator().validate(PemCodec.readChain(cert), key).names())
        .containsExactly("fmt.example.com");
    return key;
  }

  @Test
  void pkcs8EcP256_accepted() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    assertThat(openssl().read("k.pem")).startsWith("-----BEGIN PRIVATE KEY-----");
    PrivateKey key = acceptAndMatch("k.pem", null);
    assertThat(key).isInstanceOf(ECPrivateKey.class);
    assertThat(PemCodec.describeKey(key)).isEqualTo("EC P-256");
  }

  @Test
  void pkcs8EcP384_accepted() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "k.pem");
    assertThat(PemCodec.describeKey(acceptAndMatch("k.pem", null))).isEqualTo("EC P-384");
  }

  @Test
  void sec1Ec_withEcParametersBlock_accepted() throws Exception {
    openssl().run("ecparam", "-name", "prime256v1", "-genkey", "-out", "k.pem");
    assertThat(openssl().read("k.pem")).contains("-----BEGIN EC PARAMETERS-----")
        .contains("-----BEGIN EC PRIVATE KEY-----");
    assertThat(PemCodec.describeKey(acceptAndMatch("k.pem", null))).isEqualTo("EC P-256");
  }

  @Test
  void sec1Ec_alone_accepted() throws Exception {
    openssl().run("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "k.pem");
    assertThat(openssl().read("k.pem")).startsWith("-----BEGIN EC PRIVATE KEY-----");
    assertThat(PemCodec.describeKey(acceptAndMatch("k.pem", null))).isEqualTo("EC P-384");
  }

  @Test
  void pkcs1Rsa2048_accepted() throws Exception {
    openssl().run("genrsa", "-traditional", "-out", "k.pem", "2048");
    assertThat(openssl().read("k.pem")).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    PrivateKey key = acceptAndMatch("k.pem", null);
    assertThat(((RSAPrivateKey) key).getModulus().bitLength()).isEqualTo(2048);
  }

  @Test
  void pkcs8Rsa4096_accepted() throws Exception {
    openssl().run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096", "-out", "k.pem");
    assertThat(PemCodec.describeKey(acceptAndMatch("k.pem", null))).isEqualTo("RSA 4096");
  }

  @Test
  void encryptedPkcs8Pbes2_withPassphrase_accepted() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "p.pem");
    openssl().run("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "p.pem", "-passout", "pass:s3cret", "-out",
        "k.pem");
    assertThat(openssl().read("k.pem")).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    acceptAndMatch("k.pem", "s3cret".toCharArray());
  }

  @Test
  void encryptedPkcs8Rsa_withPassphrase_accepted() throws Exception {
    openssl().run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes-128-cbc", "-pass",
        "pass:pw with spaces", "-out", "k.pem");
    assertThat(openssl().read("k.pem")).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    acceptAndMatch("k.pem", "pw with spaces".toCharArray());
  }

  @Test
  void legacyEncryptedSec1_withPassphrase_accepted() throws Exception {
    openssl().run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "p.pem");
    openssl().run("ec", "-in", "p.pem", "-aes256", "-passout", "pass:legacy", "-out", "k.pem");
    assertThat(openssl().read("k.pem")).contains("Proc-Type: 4,ENCRYPTED");
    acceptAndMatch("k.pem", "legacy".toCharArray());
  }

  @Test
  void keyInCombinedPemAfterCertificate_accepted() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    String cert = openssl().selfSigned("k.pem", "c.pem", "/CN=combined.example", null);
    PrivateKey key = PemCodec.readPrivateKey(cert + openssl().read("k.pem"), null);
    assertThat(key.getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void rsa1024_rejectedAsTooShort() throws Exception {
    openssl().run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "k.pem");
    assertRejected(() -> PemCodec.readPrivateKey(openssl().read("k.pem"), null), Reason.KEY_SIZE,
        "private key: RSA 1024 bits is too short (supported: RSA 2048–4096 bits, ECDSA P-256 and P-384)");
  }

  @Test
  void ecP521_rejectedAsUnsupportedCurve() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out", "k.pem");
    assertRejected(() -> PemCodec.readPrivateKey(openssl().read("k.pem"), null), Reason.UNSUPPORTED_KEY,
        "private key: EC curve secp521r1 is not supported");
  }

  @Test
  void secp256k1_rejectedAsUnsupportedCurve() throws Exception {
    openssl().run("ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out", "k.pem");
    assertRejected(() -> PemCodec.readPrivateKey(openssl().read("k.pem"), null), Reason.UNSUPPORTED_KEY,
        "private key: EC curve secp256k1 is not supported");
  }

  @Test
  void ed25519_rejectedAsUnsupportedAlgorithm() throws Exception {
    openssl().run("genpkey", "-algorithm", "ED25519", "-out", "k.pem");
    assertRejected(() -> PemCodec.readPrivateKey(openssl().read("k.pem"), null), Reason.UNSUPPORTED_KEY,
        "private key: algorithm Ed25519 is not supported");
  }

  @Test
  void explicitCurveParameters_rejected() throws Exception {
    openssl().run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-param_enc", "explicit", "-out", "k.pem");
    assertRejected(() -> PemCodec.readPrivateKey(openssl().read("k.pem"), null), Reason.UNSUPPORTED_KEY,
        "private key: EC key without a named curve");
  }

  /** An ENCRYPTED PRIVATE KEY block with the given PBES2 key derivation; the ciphertext is never reached. */
  private static String encryptedKeyPem(org.bouncycastle.asn1.x509.AlgorithmIdentifier kdf) throws Exception {
    var pbes2 = new org.bouncycastle.asn1.pkcs.PBES2Parameters(
        new org.bouncycastle.asn1.pkcs.KeyDerivationFunc(kdf.getAlgorithm(), kdf.getParameters()),
        new org.bouncycastle.asn1.pkcs.EncryptionScheme(org.bouncycastle.asn1.nist.NISTObjectIdentifiers.id_aes256_CBC,
            new org.bouncycastle.asn1.DEROctetString(new byte[16])));
    var info = new org.bouncycastle.asn1.pkcs.EncryptedPrivateKeyInfo(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
        org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_PBES2, pbes2), new byte[64]);
    return "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(info.getEncoded())
        + "\n-----END ENCRYPTED PRIVATE KEY-----\n";
  }

  @Test
  @org.junit.jupiter.api.Timeout(20)
  void encryptedKey_pbkdf2IterationsAboveBound_rejectedBeforeDecrypting() throws Exception {
    var kdf = new org.bouncycastle.asn1.x509.AlgorithmIdentifier(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_PBKDF2,
        new org.bouncycastle.asn1.pkcs.PBKDF2Params(new byte[16], 50_000_000, 32,
            new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_hmacWithSHA256,
                org.bouncycastle.asn1.DERNull.INSTANCE)));
    String pem = encryptedKeyPem(kdf);
    long t0 = System.nanoTime();
    assertRejected(() -> PemCodec.readPrivateKey(pem, "pw".toCharArray()), Reason.KDF_TOO_COSTLY,
        "private key: PBKDF2 iteration count 50000000 is above the limit of " + PemCodec.MAX_PBKDF2_ITERATIONS);
    assertThat((System.nanoTime() - t0) / 1_000_000).as("ms spent").isLessThan(2000);
  }

  @Test
  @org.junit.jupiter.api.Timeout(20)
  void encryptedKey_scryptCostAboveBound_rejectedBeforeDecrypting() throws Exception {
    var kdf = new org.bouncycastle.asn1.x509.AlgorithmIdentifier(org.bouncycastle.asn1.misc.MiscObjectIdentifiers.id_scrypt,
        new org.bouncycastle.asn1.misc.ScryptParams(new byte[16], 1 << 20, 8, 1, 32));
    String pem = encryptedKeyPem(kdf);
    assertRejected(() -> PemCodec.readPrivateKey(pem, "pw".toCharArray()), Reason.KDF_TOO_COSTLY,
        "private key: scrypt N=1048576 r=8 p=1 needs 1024 MiB");
  }

  @Test
  void chainLongerThanBound_rejectedNamingTheLimit() throws Exception {
    String one = io.sslfarm.certs.gen.SelfSigned.generate(java.util.List.of("a.test"),
        java.time.Duration.ofDays(30), io.sslfarm.certs.gen.KeyType.EC_P256).chainPem();
    String pem = one.repeat(PemCodec.MAX_CHAIN_LENGTH + 1);
    assertRejected(() -> PemCodec.readChain(pem), Reason.CHAIN_TOO_LONG,
        "certificate chain: more than " + PemCodec.MAX_CHAIN_LENGTH + " certificates");
    assertThat(PemCodec.readChain(one.repeat(PemCodec.MAX_CHAIN_LENGTH))).hasSize(PemCodec.MAX_CHAIN_LENGTH);
  }

  @Test
  void encryptedKey_wrongPassphrase_rejected() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc", "-pass",
        "pass:right", "-out", "k.pem");
    assertRejected(() -> PemCodec.readPrivateKey(openssl().read("k.pem"), "wrong".toCharArray()),
        Reason.BAD_PASSPHRASE, "private key: wrong passphrase for the encrypted private key");
  }

  @Test
  void legacyEncrypted_wrongPassphrase_rejected() throws Exception {
    openssl().run("genrsa", "-traditional", "-aes128", "-passout", "pass:right", "-out", "k.pem", "2048");
    assertThat(openssl().read("k.pem")).contains("Proc-Type: 4,ENCRYPTED");
    assertRejected(() -> PemCodec.readPrivateKey(openssl().read("k.pem"), "wrong".toCharArray()),
        Reason.BAD_PASSPHRASE, "private key: wrong passphrase for the encrypted private key");
  }

  @Test
  void encryptedKey_noPassphrase_rejected() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc", "-pass",
        "pass:right", "-out", "k.pem");
    assertRejected(() -> PemCodec.readPrivateKey(openssl().read("k.pem"), null), Reason.BAD_PASSPHRASE,
        "private key: the key is encrypted and no passphrase was given");
  }

  @Test
  void emptyKey_rejected() {
    assertRejected(() -> PemCodec.readPrivateKey("  \n", null), Reason.MALFORMED_PEM, "private key is empty");
    assertRejected(() -> PemCodec.readPrivateKey(null, null), Reason.MALFORMED_PEM, "private key is empty");
  }

  @Test
  void garbageKey_rejected() {
    assertRejected(() -> PemCodec.readPrivateKey("this is not a key\n\u0000\u0001", null), Reason.MALFORMED_PEM,
        "private key: found no PEM block, expected -----BEGIN PRIVATE KEY-----");
  }

  @Test
  void truncatedKey_rejected() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    String pem = openssl().read("k.pem");
    String truncated = pem.substring(0, pem.length() / 2);
    assertRejected(() -> PemCodec.readPrivateKey(truncated, null), Reason.MALFORMED_PEM,
        "private key: PEM block 1 is malformed or truncated");
  }

  @Test
  void corruptBase64InsideMarkers_rejected() {
    String pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg%%%%\n"
        + "-----END PRIVATE KEY-----\n";
    assertRejected(() -> PemCodec.readPrivateKey(pem, null), Reason.MALFORMED_PEM, "private key:");
  }

  @Test
  void certificateGivenAsKey_rejected() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    String cert = openssl().selfSigned("k.pem", "c.pem", "/CN=x.example", null);
    assertRejected(() -> PemCodec.readPrivateKey(cert, null), Reason.MALFORMED_PEM,
        "private key: found only certificates");
  }

  @Test
  void publicKeyGivenAsKey_rejected() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    openssl().run("pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem");
    assertRejected(() -> PemCodec.readPrivateKey(openssl().read("pub.pem"), null), Reason.MALFORMED_PEM,
        "private key: found a public key");
  }

  @Test
  void twoKeys_rejected() throws Exception {
    openssl().run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem");
    String k = openssl().read("k.pem");
    assertRejected(() -> PemCodec.readPrivateKey(k + k, null), Reason.MALFORMED_PEM,
        "private key: the PEM holds more than one private key");
  }

  @Test
  void chain_readsEveryCertificateInOrder() throws Exception {
    var a = SelfSigned.generate(List.of("a.example"), Duration.ofDays(5), KeyType.EC_P256);
    var b = SelfSigned.generate(List.of("b.example"), Duration.ofDays(5), KeyType.EC_P256);
    List<X509Certificate> chain = PemCodec.readChain("leading text\n" + a.chainPem() + "\n" + b.chainPem());
    assertThat(chain).containsExactly(a.leaf(), b.leaf());
    assertThat(PemCodec.readChain(PemCodec.writeCertificates(chain))).isEqualTo(chain);
  }

  @Test
  void emptyChain_rejected() {
    assertRejected(() -> PemCodec.readChain(""), Reason.MALFORMED_PEM, "certificate chain is empty");
  }

  @Test
  void garbageChain_rejected() {
    assertRejected(() -> PemCodec.readChain("hello world"), Reason.MALFORMED_PEM,
        "certificate chain: no PEM block found (expected -----BEGIN CERTIFICATE-----)");
  }

  @Test
  void truncatedChain_rejected() {
    String pem = SelfSigned.generate(List.of("a.example"), Duration.ofDays(5), KeyType.EC_P256).chainPem();
    assertRejected(() -> PemCodec.readChain(pem.substring(0, pem.length() - 30)), Reason.MALFORMED_PEM,
        "certificate chain: PEM block 1 is malformed or truncated");
  }

  @Test
  void certificateWithCorruptDer_rejected() {
    // valid base64, but DER of a truncated SEQUENCE: 0x30 0x82 0x01 0x00 (says 256 bytes follow), then 3 bytes
    String pem = "-----BEGIN CERTIFICATE-----\nMIIBAAECAw==\n-----END CERTIFICATE-----\n";
    assertRejected(() -> PemCodec.readChain(pem), Reason.MALFORMED_PEM, "certificate chain: ");
  }

  @Test
  void keyInChain_rejectedWithHint() throws Exception {
    var g = SelfSigned.generate(List.of("a.example"), Duration.ofDays(5), KeyType.EC_P256);
    assertRejected(() -> PemCodec.readChain(g.chainPem() + g.keyPem()), Reason.MALFORMED_PEM,
        "certificate chain: block 2 is a private key; send it as the key, not in the chain");
  }

  @Test
  void rejectionMessages_neverContainKeyMaterial() throws Exception {
    var g = SelfSigned.generate(List.of("a.example"), Duration.ofDays(5), KeyType.EC_P256);
    String keyPem = g.keyPem();
    String body = keyPem.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
    try {
      PemCodec.readChain(g.chainPem() + keyPem);
    } catch (CertificateRejectedException e) {
      assertThat(e.getMessage()).doesNotContain(body.substring(0, 20)).doesNotContain(body.substring(30, 50));
      return;
    }
    throw new AssertionError("not rejected");
  }
}
