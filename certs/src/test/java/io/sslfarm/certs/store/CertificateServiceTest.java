package io.sslfarm.certs.store;

import static io.sslfarm.certs.Rejections.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertificateRejectedException.Reason;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.certs.gen.KeyType;
import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateServiceTest {

  @TempDir
  static Path caDir;
  static DevCa ca;

  private final LocalFarmCluster cluster = new LocalFarmCluster();
  private final SecretSealer sealer = new SecretSealer(MasterKey.generate());
  private final CertsMetrics metrics = CertsMetrics.noop();
  private final CertificateService service = new CertificateService(cluster.certificates(), cluster.nodes(), sealer,
      30, metrics);

  @BeforeAll
  static void createCa() throws Exception {
    ca = DevCa.loadOrCreate(caDir);
  }

  @AfterEach
  void close() {
    cluster.close();
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void add_defaultIdFromFirstName_sealsKey_andOpensBack() throws Exception {
    GeneratedCertificate g = ca.issue("*.Shop.example.com", "shop.example.com");
    CertificateAdded added = await(service.add(null, g.chainPem(), g.keyPem(), null));

    assertThat(added.certificate().id()).isEqualTo("wildcard.shop.example.com");
    assertThat(added.certificate().version()).isPositive(); // a new id: its creation time
    assertThat(added.replaced()).isFalse();
    assertThat(added.certificate().names()).containsExactly("*.shop.example.com", "shop.example.com");
    assertThat(added.certificate().keyType()).isEqualTo("EC P-256");

    CertificateRecord rec = cluster.certificates().snapshot().get("wildcard.shop.example.com");
    byte[] pkcs8 = g.key().getEncoded();
    assertThat(indexOf(rec.sealedKey(), pkcs8)).isEqualTo(-1);
    String json = rec.toJson().encode();
    assertThat(json).doesNotContain(Base64.getEncoder().encodeToString(pkcs8)).doesNotContain("PRIVATE KEY");

    ServedCertificate served = service.open(rec);
    assertThat(served.key().getEncoded()).isEqualTo(pkcs8);
    assertThat(served.chain()).containsExactly(g.chain().toArray(java.security.cert.X509Certificate[]::new));
    assertThat(served.toString()).doesNotContain("PRIVATE");
  }

  @Test
  void replace_isAtomic_andIncrementsVersion() throws Exception {
    GeneratedCertificate first = ca.issue("a.example.com");
    GeneratedCertificate second = ca.issue("a.example.com", "b.example.com");
    long v1 = await(service.add("site", first.chainPem(), first.keyPem(), null)).certificate().version();
    CertificateAdded again = await(service.add("site", second.chainPem(), second.keyPem(), null));
    assertThat(again.replaced()).isTrue();
    assertThat(again.certificate().version()).isEqualTo(v1 + 1);
    CertificateRecord rec = cluster.certificates().snapshot().get("site");
    assertThat(rec.names()).containsExactly("a.example.com", "b.example.com");
    assertThat(service.open(rec).key().getEncoded()).isEqualTo(second.key().getEncoded());
  }

  @Test
  void rejectedAdd_storesNothing_andCountsReason() throws Exception {
    GeneratedCertificate g = ca.issue("a.example.com");
    GeneratedCertificate other = ca.issue("b.example.com");
    long v1 = await(service.add("site", g.chainPem(), g.keyPem(), null)).certificate().version();

    assertThatThrownBy(() -> await(service.add("site", g.chainPem(), other.keyPem(), null)))
        .hasCauseInstanceOf(CertificateRejectedException.class)
        .hasMessageContaining("private key does not match certificate CN=a.example.com");
    assertThat(cluster.certificates().snapshot().get("site").version()).isEqualTo(v1);
    assertThat(metrics.registry().counter(CertsMetrics.REJECTED, "reason", "key-mismatch").count()).isEqualTo(1);
  }

  @Test
  void invalidId_rejected() {
    GeneratedCertificate g = ca.issue("a.example.com");
    assertThatThrownBy(() -> await(service.add("Bad/Id", g.chainPem(), g.keyPem(), null)))
        .hasRootCauseInstanceOf(CertificateRejectedException.class)
        .hasMessageContaining("certificate id 'Bad/Id' is invalid (1 to 64 characters of a-z, 0-9, '.', '_' and '-')");
    assertThat(cluster.certificates().snapshot()).isEmpty();
    assertThat(CertificateIds.fromName("*.EXAMPLE.com.")).isEqualTo("wildcard.example.com");
    assertThat(CertificateIds.fromName("x".repeat(100))).hasSize(64);
  }

  @Test
  void expiringSoon_storedWithWarning() throws Exception {
    GeneratedCertificate g = ca.issue(List.of("soon.example.com"), Duration.ofDays(5), KeyType.EC_P256);
    CertificateAdded added = await(service.add(null, g.chainPem(), g.keyPem(), null));
    assertThat(added.warnings()).singleElement().asString().contains("expires in 4 days");
  }

  @Test
  void list_showsActiveSslNodes_andRemove() throws Exception {
    await(cluster.nodes().register(new NodeInfo("ssl-1", NodeRole.SSL, "127.0.0.1:8443", "127.0.0.1:9901", 10,
        NodeState.ACTIVE, "t", cluster.memberId(), 0)));
    await(cluster.nodes().register(new NodeInfo("ssl-2", NodeRole.SSL, "127.0.0.1:8444", "127.0.0.1:9902", 10,
        NodeState.DRAINING, "t", cluster.memberId(), 0)));
    await(cluster.nodes().register(new NodeInfo("edge-1", NodeRole.EDGE, "127.0.0.1:443", "127.0.0.1:9903", 10,
        NodeState.ACTIVE, "t", cluster.memberId(), 0)));
    GeneratedCertificate g = ca.issue("a.example.com");
    await(service.add("b-site", g.chainPem(), g.keyPem(), null));
    await(service.add("a-site", g.chainPem(), g.keyPem(), null));

    List<CertificateSummary> list = service.list();
    assertThat(list).extracting(CertificateSummary::id).containsExactly("a-site", "b-site");
    assertThat(list.get(0).servedBy()).containsExactly("ssl-1");
    assertThat(list.get(0).fingerprint()).hasSize(64);
    assertThat(list.get(0).toJson(java.time.Instant.now()).encode()).doesNotContain("sealedKey");

    assertThat(await(service.remove("a-site"))).isTrue();
    assertThat(await(service.remove("a-site"))).isFalse();
    assertThat(service.list()).extracting(CertificateSummary::id).containsExactly("b-site");
  }

  @Test
  void open_wrongMasterKey_clearErrorForThatId() throws Exception {
    GeneratedCertificate g = ca.issue("a.example.com");
    await(service.add("site", g.chainPem(), g.keyPem(), null));
    CertificateRecord rec = cluster.certificates().snapshot().get("site");
    CertificateOpener wrong = new CertificateOpener(new SecretSealer(MasterKey.generate()));
    assertRejected(() -> wrong.open(rec), Reason.UNSEALABLE,
        "certificate 'site' (version " + rec.version() + "): private key does not open on this node: sealed under"
            + " another master key");
  }

  @Test
  void open_sealedKeyMovedToAnotherId_doesNotOpen() throws Exception {
    GeneratedCertificate g = ca.issue("a.example.com");
    await(service.add("site", g.chainPem(), g.keyPem(), null));
    CertificateRecord rec = cluster.certificates().snapshot().get("site");
    CertificateRecord moved = new CertificateRecord("evil", rec.chainPem(), rec.sealedKey(), rec.names(),
        rec.notBefore(), rec.notAfter(), rec.fingerprint(), 1);
    assertRejected(() -> service.open(moved), Reason.UNSEALABLE,
        "certificate 'evil' (version 1): private key does not open on this node: sealed value does not open");
  }

  static int indexOf(byte[] hay, byte[] needle) {
    for (int i = 0; i + needle.length <= hay.length; i++) {
      if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

}
