package io.sslfarm.certs.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.certs.CertificateRejectedException.Reason;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.certs.sni.CertificateWatcher;
import io.sslfarm.cluster.ClusterOptions;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmClusters;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three in-process Hazelcast members (TCP-IP join on 127.0.0.1, multicast off): A and B hold the farm master key, C a
 * different one. A certificate added on A is opened on B; the raw Hazelcast entry has no key bytes in clear; C reports
 * that certificate clearly and keeps serving the one sealed under its own key.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CertificateClusterTest {

  @TempDir
  static Path caDir;

  static final String CLUSTER = "certs-test-" + UUID.randomUUID();
  static final List<FarmCluster> members = new ArrayList<>();
  static FarmCluster a;
  static FarmCluster b;
  static FarmCluster c;

  @BeforeAll
  static void startMembers() throws Exception {
    int portA = freePort();
    List<HostPort> seeds = List.of(new HostPort("127.0.0.1", portA));
    a = start(portA, seeds);
    b = start(freePort(), seeds);
    c = start(freePort(), seeds);
    await().atMost(Duration.ofSeconds(60)).until(() -> a.memberCount() == 3 && c.memberCount() == 3);
  }

  private static FarmCluster start(int port, List<HostPort> seeds) throws Exception {
    FarmCluster m = FarmClusters.start(ClusterOptions.localMember(CLUSTER, port, seeds)).get(60, TimeUnit.SECONDS);
    members.add(m);
    return m;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @AfterAll
  static void stopMembers() {
    for (FarmCluster m : members) {
      m.shutdown().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
  }

  @Test
  void addedOnOneMember_openedOnAnother_noClearKeyInHazelcast_wrongKeyNodeIsolated() throws Exception {
    MasterKey farmKey = MasterKey.generate();
    SecretSealer sealerA = new SecretSealer(farmKey);
    SecretSealer sealerB = new SecretSealer(MasterKey.fromBase64(MasterKeyFile.roundTrip(farmKey, caDir)));
    SecretSealer sealerC = new SecretSealer(MasterKey.generate());
    CertificateService onA = new CertificateService(a.certificates(), a.nodes(), sealerA, 30, CertsMetrics.noop());
    CertificateService onC = new CertificateService(c.certificates(), c.nodes(), sealerC, 30, CertsMetrics.noop());

    DevCa ca = DevCa.loadOrCreate(caDir.resolve("ca"));
    GeneratedCertificate shop = ca.issue("shop.example.com", "*.shop.example.com");
    GeneratedCertificate other = ca.issue("other.example.com");
    onA.add("shop", shop.chainPem(), shop.keyPem(), null).toCompletableFuture().get(30, TimeUnit.SECONDS);
    onC.add("other", other.chainPem(), other.keyPem(), null).toCompletableFuture().get(30, TimeUnit.SECONDS);

    CertificateWatcher onB = new CertificateWatcher(b.certificates(), new CertificateOpener(sealerB), null,
        CertsMetrics.noop()).start();
    CertsMetrics metricsC = CertsMetrics.noop();
    CertificateWatcher watcherC = new CertificateWatcher(c.certificates(), new CertificateOpener(sealerC), null,
        metricsC).start();

    // B (same master key) serves what A added, with the very key A sealed
    await().atMost(Duration.ofSeconds(30)).until(() -> onB.current().byId("shop").isPresent());
    assertThat(onB.current().selectOrNull("www.shop.example.com").key().getEncoded())
        .isEqualTo(shop.key().getEncoded());
    assertThat(onB.failures()).containsOnlyKeys("other");

    // the raw Hazelcast entry, read on member B's instance: no private-key bytes in clear
    Object raw = ((io.sslfarm.cluster.internal.HazelcastFarmCluster) b).rawEntry("sslfarm.certs", "shop");
    assertThat(raw).isInstanceOf(String.class);
    String entry = (String) raw;
    byte[] pkcs8 = shop.key().getEncoded();
    byte[] scalar = ((java.security.interfaces.ECPrivateKey) shop.key()).getS().toByteArray();
    assertThat(entry).doesNotContain(Base64.getEncoder().encodeToString(pkcs8))
        .doesNotContain(HexFormat.of().formatHex(pkcs8)).doesNotContain("PRIVATE KEY")
        .doesNotContain(Base64.getEncoder().encodeToString(scalar).substring(0, 20));
    assertThat(new String(entry.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1))
        .doesNotContain(new String(pkcs8, StandardCharsets.ISO_8859_1));
    byte[] sealed = Base64.getDecoder().decode(new io.vertx.core.json.JsonObject(entry).getString("sealedKey"));
    assertThat(CertificateServiceTest.indexOf(sealed, pkcs8)).isEqualTo(-1);
    assertThat(CertificateServiceTest.indexOf(sealed, trimSign(scalar))).isEqualTo(-1);

    // C (wrong master key for "shop") reports it clearly and keeps serving its own certificate
    await().atMost(Duration.ofSeconds(30)).until(() -> watcherC.failures().containsKey("shop")
        && watcherC.current().byId("other").isPresent());
    assertThat(watcherC.failures().get("shop").reason()).isEqualTo(Reason.UNSEALABLE);
    assertThat(watcherC.failures().get("shop").message())
        .startsWith("certificate 'shop' (version " + onB.current().byId("shop").orElseThrow().version()
            + "): private key does not open on this node: sealed under another"
            + " master key");
    assertThat(watcherC.current().selectOrNull("other.example.com").id()).isEqualTo("other");
    assertThat(watcherC.current().selectOrNull("shop.example.com")).isNull();
    assertThat(metricsC.registry().counter(CertsMetrics.OPEN_FAILURES, "cert", "shop", "reason", "unsealable")
        .count()).isGreaterThanOrEqualTo(1);

    // a replacement on A reaches B without restart; a removal too
    GeneratedCertificate shop2 = ca.issue("shop.example.com", "new.shop.example.com");
    onA.add("shop", shop2.chainPem(), shop2.keyPem(), null).toCompletableFuture().get(30, TimeUnit.SECONDS);
    long v1 = onB.current().byId("shop").orElseThrow().version();
    await().atMost(Duration.ofSeconds(30)).until(() -> onB.current().byId("shop").orElseThrow().version() == v1 + 1);
    assertThat(onB.current().selectOrNull("new.shop.example.com").key().getEncoded())
        .isEqualTo(shop2.key().getEncoded());
    onA.remove("shop").toCompletableFuture().get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> onB.current().byId("shop").isEmpty()
        && !watcherC.failures().containsKey("shop"));
    onB.close();
    watcherC.close();
  }

  private static byte[] trimSign(byte[] b) {
    return b.length > 1 && b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
  }

  /** B reads the same master key from a file, as a second node would. */
  static final class MasterKeyFile {
    static String roundTrip(MasterKey key, Path dir) throws Exception {
      Path f = dir.resolve("master.key");
      key.writeTo(f);
      return java.nio.file.Files.readString(f);
    }
  }
}
