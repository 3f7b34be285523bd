package io.sslfarm.certs.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.certs.Openssl;
import io.sslfarm.certs.pem.PemCodec;
import io.sslfarm.certs.validate.CertificateValidator;
import io.sslfarm.certs.validate.ValidatedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevCaTest {

  @TempDir
  Path dir;

  @Test
  void loadOrCreate_writesOwnerOnlyKey_andLoadsTheSameCaAgain() throws Exception {
    Path caDir = dir.resolve("dev-ca");
    DevCa ca = DevCa.loadOrCreate(caDir);
    assertThat(Files.getPosixFilePermissions(caDir.resolve("ca.key")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(caDir.resolve("ca.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(PemCodec.describeKey(ca.certificate().getPublicKey())).isEqualTo("EC P-256");
    assertThat(ca.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);

    DevCa again = DevCa.loadOrCreate(caDir);
    assertThat(again.certificate()).isEqualTo(ca.certificate());
  }

  @Test
  void concurrentLoadOrCreate_agreesOnOneCa() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Callable<DevCa> c = () -> DevCa.loadOrCreate(dir.resolve("shared"));
      List<Future<DevCa>> fs = pool.invokeAll(List.of(c, c, c, c));
      var first = fs.get(0).get().certificate();
      for (Future<DevCa> f : fs) {
        assertThat(f.get().certificate()).isEqualTo(first);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void incompleteCaDir_failsWithMessage() throws Exception {
    Files.writeString(dir.resolve("ca.pem"), "x");
    assertThatThrownBy(() -> DevCa.loadOrCreate(dir)).hasMessageContaining("is incomplete: need both ca.pem and ca.key");
  }

  @Test
  void issuedLeaf_verifiesWithOpenssl_withWildcardAndIpSans() throws Exception {
    DevCa ca = DevCa.loadOrCreate(dir.resolve("ca"));
    GeneratedCertificate g = ca.issue("localhost", "*.farm.test", "127.0.0.1");
    List<Path> files = g.writeTo(dir.resolve("out"), "localhost");
    assertThat(Files.getPosixFilePermissions(files.get(1))).isEqualTo(PosixFilePermissions.fromString("rw-------"));

    Openssl o = new Openssl(dir);
    o.write("leaf.pem", PemCodec.writeCertificates(List.of(g.leaf())));
    String verify = o.run("verify", "-CAfile", dir.resolve("ca/ca.pem").toString(), "-purpose", "sslserver",
        "leaf.pem");
    assertThat(verify).contains("leaf.pem: OK");
    String text = o.run("x509", "-in", "leaf.pem", "-noout", "-ext", "subjectAltName");
    assertThat(text).contains("DNS:localhost").contains("DNS:*.farm.test").contains("IP Address:127.0.0.1");

    ValidatedCertificate v = new CertificateValidator().validate(Files.readString(files.get(0)),
        Files.readString(files.get(1)), null);
    assertThat(v.names()).containsExactly("localhost", "*.farm.test");
    assertThat(v.chain()).hasSize(2);
  }

  @Test
  void rsaLeaf_optional() throws Exception {
    DevCa ca = DevCa.loadOrCreate(dir);
    GeneratedCertificate g = ca.issue(List.of("rsa.farm.test"), Duration.ofDays(30), KeyType.RSA_2048);
    assertThat(PemCodec.describeKey(g.key())).isEqualTo("RSA 2048");
    assertThat(new CertificateValidator().validate(g.chainPem(), g.keyPem(), null).names())
        .containsExactly("rsa.farm.test");
  }

  @Test
  void selfSigned_isItsOwnIssuer() throws Exception {
    GeneratedCertificate g = SelfSigned.generate(List.of("self.test"), Duration.ofDays(10), KeyType.EC_P384);
    assertThat(g.chain()).hasSize(1);
    g.leaf().verify(g.leaf().getPublicKey());
    assertThat(PemCodec.describeKey(g.key())).isEqualTo("EC P-384");
    assertThat(g.toString()).doesNotContain("PRIVATE");
  }

  @Test
  void badName_rejected() throws Exception {
    DevCa ca = DevCa.loadOrCreate(dir);
    assertThatThrownBy(() -> ca.issue("bad name!")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a DNS name");
  }

  @Test
  void keyTypeParse_acceptsCliSpellings() {
    assertThat(KeyType.parse("rsa")).isEqualTo(KeyType.RSA_2048);
    assertThat(KeyType.parse("EC-P384")).isEqualTo(KeyType.EC_P384);
    assertThatThrownBy(() -> KeyType.parse("dsa")).hasMessageContaining("unknown key type 'dsa'");
  }
}
