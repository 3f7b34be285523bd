package io.sslfarm.ssl.testing;

import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.ssl.SslOptions;
import io.sslfarm.ssl.SslTier;
import io.sslfarm.ssl.tls.CertificateSource;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension ({@code @RegisterExtension static}) with what SSL tier tests share: one Vert.x, a
 * {@link LocalFarmCluster} with one registered {@link TestRouter}, a sealer, and certificates for {@code a.example},
 * {@code b.example}, {@code *.wild.example} plus a default ({@code default.example}); every CN is its first name.
 * Tiers started through it are closed after each test; the rest after all tests.
 */
public final class TierFixture implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  private final String routerId;
  private Vertx vertx;
  private LocalFarmCluster cluster;
  private SecretSealer sealer;
  private TestRouter router;
  private MapCertificateSource certs;
  private final List<SslTier> tiers = new ArrayList<>();

  public TierFixture(String routerId) {
    this.routerId = routerId;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    vertx = Vertx.vertx();
    cluster = new LocalFarmCluster();
    sealer = new SecretSealer(MasterKey.generate());
    router = new TestRouter(routerId);
    cluster.nodes().register(router.nodeInfo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    certs = new MapCertificateSource()
        .put(TestCertificates.selfSigned("a", 1, "a.example"), "a.example")
        .put(TestCertificates.selfSigned("b", 1, "b.example"), "b.example")
        .put(TestCertificates.selfSigned("wild", 1, "*.wild.example"), "*.wild.example")
        .defaultCertificate(TestCertificates.selfSigned("default", 1, "default.example"));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    tiers.forEach(t -> t.close().await());
    tiers.clear();
    contexts.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    router.close();
    cluster.close();
    vertx.close().await();
  }

  /** A tier with the shared certificates and cluster, started; closed after the test. */
  public SslTier start(SslOptions options) {
    return start(options, certs, cluster);
  }

  /** A tier with its own certificates and/or cluster, started; closed after the test. */
  public SslTier start(SslOptions options, CertificateSource certificates, FarmCluster farm) {
    SslTier t = new SslTier(options, certificates);
    tiers.add(t);
    TestTierContext ctx = new TestTierContext("ssl-" + tiers.size(), vertx, farm, sealer);
    contexts.add(ctx);
    t.start(ctx).await();
    return t;
  }

  private final List<TestTierContext> contexts = new java.util.ArrayList<>();

  /** The context of the i-th tier started in this test (its readiness checks). */
  public TestTierContext context(int i) {
    return contexts.get(i);
  }

  /** The tiers started in this test, in start order. */
  public List<SslTier> tiers() {
    return tiers;
  }

  public Vertx vertx() {
    return vertx;
  }

  public LocalFarmCluster cluster() {
    return cluster;
  }

  public TestRouter router() {
    return router;
  }

  public MapCertificateSource certs() {
    return certs;
  }
}
