package io.sslfarm.certs.sni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.certs.CertificateRejectedException.Reason;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.certs.store.CertificateOpener;
import io.sslfarm.certs.store.CertificateService;
import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher on an in-memory table: hot changes, and a record sealed under another master key isolated. */
class CertificateWatcherTest {

  @TempDir
  static Path caDir;
  static DevCa ca;

  private final LocalFarmCluster cluster = new LocalFarmCluster();
  private final SecretSealer farmKey = new SecretSealer(MasterKey.generate());
  private final SecretSealer otherKey = new SecretSealer(MasterKey.generate());
  private final CertificateService farmService = new CertificateService(cluster.certificates(), cluster.nodes(),
      farmKey, 30, CertsMetrics.noop());
  private final CertificateService otherService = new CertificateService(cluster.certificates(), cluster.nodes(),
      otherKey, 30, CertsMetrics.noop());

  @BeforeAll
  static void createCa() throws Exception {
    ca = DevCa.loadOrCreate(caDir);
  }

  @AfterEach
  void close() {
    cluster.close();
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void changes_swapIndex_andNotifyListeners() throws Exception {
    GeneratedCertificate a = ca.issue("a.example.com");
    join(farmService.add("a", a.chainPem(), a.keyPem(), null));
    CertsMetrics metrics = CertsMetrics.noop();
    CertificateWatcher w = new CertificateWatcher(cluster.certificates(), new CertificateOpener(farmKey), "a",
        metrics).start();
    List<SniIndex> seen = new CopyOnWriteArrayList<>();
    w.addListener(seen::add);
    await().atMost(Duration.ofSeconds(5)).until(() -> w.current().size() == 1);
    assertThat(w.current().selectOrNull("unknown.org").id()).isEqualTo("a");

    GeneratedCertificate b = ca.issue("*.b.example.com");
    join(farmService.add("b", b.chainPem(), b.keyPem(), null));
    await().atMost(Duration.ofSeconds(5)).until(() -> w.current().selectOrNull("x.b.example.com").id().equals("b"));

    GeneratedCertificate b2 = ca.issue("*.b.example.com", "b.example.com");
    join(farmService.add("b", b2.chainPem(), b2.keyPem(), null));
    await().atMost(Duration.ofSeconds(5)).until(() -> w.current().byId("b").orElseThrow().version() == 2);
    assertThat(w.current().selectOrNull("b.example.com").key().getEncoded()).isEqualTo(b2.key().getEncoded());

    join(farmService.remove("b"));
    await().atMost(Duration.ofSeconds(5)).until(() -> w.current().byId("b").isEmpty());
    assertThat(seen).hasSizeGreaterThanOrEqualTo(3);
    assertThat(seen.get(seen.size() - 1)).isSameAs(w.current());
    assertThat(metrics.registry().find(CertsMetrics.EXPIRY_DAYS).tag("cert", "a").gauge().value())
        .isBetween(390.0, 398.0);
    assertThat(metrics.registry().find(CertsMetrics.EXPIRY_DAYS).tag("cert", "b").gauge()).isNull();
    w.close();
  }

  @Test
  void recordSealedUnderAnotherMasterKey_reportedForThatId_othersServed() throws Exception {
    GeneratedCertificate good = ca.issue("good.example.com");
    GeneratedCertificate foreign = ca.issue("foreign.example.com");
    join(farmService.add("good", good.chainPem(), good.keyPem(), null));
    join(otherService.add("foreign", foreign.chainPem(), foreign.keyPem(), null));

    CertsMetrics metrics = CertsMetrics.noop();
    CertificateWatcher w = new CertificateWatcher(cluster.certificates(), new CertificateOpener(farmKey), null,
        metrics).start();
    await().atMost(Duration.ofSeconds(5)).until(() -> w.failures().containsKey("foreign")
        && w.current().size() == 1);

    assertThat(w.current().selectOrNull("good.example.com").id()).isEqualTo("good");
    assertThat(w.current().selectOrNull("foreign.example.com")).isNull();
    CertificateWatcher.Failure f = w.failures().get("foreign");
    assertThat(f.reason()).isEqualTo(Reason.UNSEALABLE);
    assertThat(f.message()).startsWith("certificate 'foreign' (version 1): private key does not open on this node:"
        + " sealed under another master key (key id " + otherKey.keyId() + ", this node has " + farmKey.keyId());
    assertThat(metrics.registry().counter(CertsMetrics.OPEN_FAILURES, "cert", "foreign", "reason", "unsealable")
        .count()).isEqualTo(1);

    // the foreign certificate re-added with the farm's key: it opens, and the failure clears
    join(farmService.add("foreign", foreign.chainPem(), foreign.keyPem(), null));
    await().atMost(Duration.ofSeconds(5)).until(() -> w.current().size() == 2);
    assertThat(w.failures()).isEmpty();

    // a corrupt record affects only itself
    CertificateRecord rec = cluster.certificates().snapshot().get("good");
    byte[] altered = rec.sealedKey().clone();
    altered[altered.length - 1] ^= 1;
    join(cluster.certificates().put(new CertificateRecord("good", rec.chainPem(), altered, rec.names(),
        rec.notBefore(), rec.notAfter(), rec.fingerprint(), 0)));
    await().atMost(Duration.ofSeconds(5)).until(() -> w.failures().containsKey("good"));
    assertThat(w.current().selectOrNull("foreign.example.com").id()).isEqualTo("foreign");
    assertThat(w.current().byId("good")).isEmpty();
    w.close();
  }
}
