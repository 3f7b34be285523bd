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
import io.sslfarm.cluster.CertificateTable;
import io.sslfarm.cluster.CertificateTableListener;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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

    long v1 = cluster.certificates().snapshot().get("b").version();
    GeneratedCertificate b2 = ca.issue("*.b.example.com", "b.example.com");
    join(farmService.add("b", b2.chainPem(), b2.keyPem(), null));
    await().atMost(Duration.ofSeconds(5)).until(() -> w.current().byId("b").orElseThrow().version() == v1 + 1);
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
    assertThat(f.message()).startsWith("certificate 'foreign' (version "
        + cluster.certificates().snapshot().get("foreign").version() + "): private key does not open on this node:"
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

  /**
   * A table the test drives directly, as a rogue writer on the cluster port can: whatever it delivers reaches the
   * watcher, as Hazelcast entry events would.
   */
  static final class DirectTable implements CertificateTable {
    final Map<String, CertificateRecord> map = new ConcurrentHashMap<>();
    final List<String> refused = new CopyOnWriteArrayList<>();
    private final List<CertificateTableListener> listeners = new CopyOnWriteArrayList<>();

    void deliver(String id, CertificateRecord r) {
      if (r == null) {
        map.remove(id);
      } else {
        map.put(id, r);
      }
      listeners.forEach(l -> l.certificateChanged(id, r));
    }

    @Override
    public Map<String, CertificateRecord> snapshot() {
      return Map.copyOf(map);
    }

    @Override
    public CompletionStage<CertificateRecord> put(String id, RecordBuilder builder) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Boolean> remove(String id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public AutoCloseable addListener(CertificateTableListener listener) {
      listeners.add(listener);
      map.forEach(listener::certificateChanged);
      return () -> listeners.remove(listener);
    }

    @Override
    public void refused(String id, String reason) {
      refused.add(id + ": " + reason);
    }
  }

  /** Two authentic versions of certificate "b", made by the store on the in-memory cluster. */
  private CertificateRecord[] twoVersions() throws Exception {
    GeneratedCertificate b1 = ca.issue("b.example.com");
    GeneratedCertificate b2 = ca.issue("b.example.com", "www.b.example.com");
    join(farmService.add("b", b1.chainPem(), b1.keyPem(), null));
    CertificateRecord r1 = cluster.certificates().snapshot().get("b");
    join(farmService.add("b", b2.chainPem(), b2.keyPem(), null));
    CertificateRecord r2 = cluster.certificates().snapshot().get("b");
    assertThat(r2.version()).isGreaterThan(r1.version());
    return new CertificateRecord[] {r1, r2};
  }

  @Test
  void olderVersionPutBack_refused_newerStaysServed() throws Exception {
    CertificateRecord[] v = twoVersions();
    DirectTable table = new DirectTable();
    CertsMetrics metrics = CertsMetrics.noop();
    CertificateWatcher w = new CertificateWatcher(table, new CertificateOpener(farmKey), null, metrics).start();
    table.deliver("b", v[0]);
    table.deliver("b", v[1]);
    assertThat(w.current().byId("b").orElseThrow().version()).isEqualTo(v[1].version());

    table.deliver("b", v[0]); // the authentic older record, put back whole

    assertThat(w.current().byId("b").orElseThrow().version()).isEqualTo(v[1].version());
    assertThat(w.current().selectOrNull("www.b.example.com")).isNotNull();
    assertThat(w.failures().get("b").reason()).isEqualTo(Reason.REPLAYED);
    assertThat(table.refused).singleElement().asString().startsWith("b: certificate 'b' (version " + v[0].version()
        + "): not newer than version " + v[1].version() + " accepted on this node");
    assertThat(metrics.registry().counter(CertsMetrics.OPEN_FAILURES, "cert", "b", "reason", "replayed").count())
        .isEqualTo(1);
    w.close();
  }

  @Test
  void removedRecordPutBack_refused_butAddedAgainIsServed() throws Exception {
    CertificateRecord[] v = twoVersions();
    DirectTable table = new DirectTable();
    CertificateWatcher w = new CertificateWatcher(table, new CertificateOpener(farmKey), null, CertsMetrics.noop())
        .start();
    table.deliver("b", v[1]);
    table.deliver("b", null); // removed by the operator
    assertThat(w.current().byId("b")).isEmpty();

    table.deliver("b", v[1]); // the removed record written back
    assertThat(w.current().byId("b")).isEmpty();
    assertThat(table.refused).hasSize(1);

    // the operator adds it again: a new creation-time version, above the removed one
    join(farmService.remove("b"));
    GeneratedCertificate b3 = ca.issue("b.example.com");
    join(farmService.add("b", b3.chainPem(), b3.keyPem(), null));
    CertificateRecord r3 = cluster.certificates().snapshot().get("b");
    table.deliver("b", r3);
    assertThat(w.current().byId("b").orElseThrow().version()).isEqualTo(r3.version());
    assertThat(w.failures()).isEmpty();
    assertThat(table.refused).hasSize(1);
    w.close();
  }

  @Test
  void namesOfAnotherVersionSwappedIn_refused_andReported() throws Exception {
    CertificateRecord[] v = twoVersions();
    DirectTable table = new DirectTable();
    CertificateWatcher w = new CertificateWatcher(table, new CertificateOpener(farmKey), null, CertsMetrics.noop())
        .start();
    table.deliver("b", v[0]);
    CertificateRecord r = v[1];
    // version 2's key and version, version 1's chain: the chain hash in the seal does not match
    table.deliver("b", new CertificateRecord("b", v[0].chainPem(), r.sealedKey(), r.names(), r.notBefore(),
        r.notAfter(), r.fingerprint(), r.version()));
    assertThat(w.failures().get("b").reason()).isEqualTo(Reason.UNSEALABLE);
    assertThat(table.refused).singleElement().asString().contains("sealed value does not open");
    w.close();
  }
}
