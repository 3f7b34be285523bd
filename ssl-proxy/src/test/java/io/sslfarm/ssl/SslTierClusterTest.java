package io.sslfarm.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.CertsOptions;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.certs.gen.KeyType;
import io.sslfarm.certs.gen.SelfSigned;
import io.sslfarm.certs.store.CertificateService;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.config.ConfigSchema;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.config.NodeConfigLoader;
import io.sslfarm.ssl.testing.SClient;
import io.sslfarm.ssl.testing.TestRouter;
import io.sslfarm.ssl.testing.TestTierContext;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tier as a farm node runs it: options from the node config, certificates from the cluster store. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SslTierClusterTest {

  @Test
  void configuredTier_servesStoredCertificates_andSwapsWithinTwoSeconds() throws Exception {
    Vertx vertx = Vertx.vertx();
    LocalFarmCluster cluster = new LocalFarmCluster();
    SecretSealer sealer = new SecretSealer(MasterKey.generate());
    try (TestRouter router = new TestRouter("router-c")) {
      cluster.nodes().register(router.nodeInfo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
      CertificateService store = new CertificateService(cluster.certificates(), cluster.nodes(), sealer, 30,
          new CertsMetrics(new SimpleMeterRegistry()));
      GeneratedCertificate site = SelfSigned.generate(List.of("site.example"), Duration.ofDays(2), KeyType.EC_P256);
      GeneratedCertificate fallback = SelfSigned.generate(List.of("fallback.example"), Duration.ofDays(2),
          KeyType.EC_P256);
      store.add("site", site.chainPem(), site.keyPem(), null).toCompletableFuture().get(5, TimeUnit.SECONDS);
      store.add("fallback", fallback.chainPem(), fallback.keyPem(), null).toCompletableFuture()
          .get(5, TimeUnit.SECONDS);

      NodeConfig config = new NodeConfigLoader(ConfigSchema.of(SslOptions.KEYS, CertsOptions.KEYS)).load(null,
          Map.of("SSLFARM_SSL_ENGINE", "openssl"), Map.of("ssl.host", "127.0.0.1", "ssl.port", 0,
              "ssl.proxy-protocol", "off", "certs.default-id", "fallback"));
      SslTier tier = new SslTier();
      int port = tier.start(new TestTierContext("ssl-c", vertx, cluster, sealer, config)).await().port();
      try {
        assertThat(SClient.run(port, "site.example", "1.3", "h2", null, null)).contains("CN = site.example")
            .contains("router=router-c");
        assertThat(SClient.run(port, "other.example", "1.2", null, null, null)).contains("CN = fallback.example");

        GeneratedCertificate renewed = SelfSigned.generate(List.of("renewed.site.example", "site.example"),
            Duration.ofDays(3), KeyType.EC_P256);
        store.add("site", renewed.chainPem(), renewed.keyPem(), null).toCompletableFuture().get(5, TimeUnit.SECONDS);
        // Store → cluster map → every node's watcher: the next handshake gets the new certificate within 2 s.
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
            .until(() -> SslTierTest.servedCn(tier, "site.example").equals("renewed.site.example"));
        assertThat(SClient.run(port, "site.example", "1.3", null, null, null)).contains("CN = renewed.site.example");
        assertThat(tier.metrics().handshakes("full")).isGreaterThanOrEqualTo(3);
      } finally {
        tier.close().await();
      }
    } finally {
      cluster.close();
      vertx.close().await();
    }
  }
}
