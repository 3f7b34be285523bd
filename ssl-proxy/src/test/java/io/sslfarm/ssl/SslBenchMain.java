package io.sslfarm.ssl;

import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.ssl.testing.MapCertificateSource;
import io.sslfarm.ssl.testing.TestCertificates;
import io.sslfarm.ssl.testing.TestRouter;
import io.sslfarm.ssl.testing.TestTierContext;
import io.sslfarm.ssl.tls.TlsEngineKind;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone processes for the handshake benchmark ({@code ssl-proxy/bench/handshakes.sh}); not a test.
 * <pre>
 *   SslBenchMain router PORT                        a PROXY-v2-aware HTTP responder (the "router")
 *   SslBenchMain tier ENGINE PORT ROUTER_PORT       one SslTier in direct mode, ECDSA P-256 "localhost" certificate
 * </pre>
 * The tier logs its own handshake counters every second when they changed ({@code stats full=… resumed=…
 * failed=…}): the server-side proof of full vs resumed.
 */
public final class SslBenchMain {

  private static final Logger LOG = LoggerFactory.getLogger(SslBenchMain.class);

  private SslBenchMain() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length >= 2 && args[0].equals("router")) {
      TestRouter r = new TestRouter("bench-router", Integer.parseInt(args[1]));
      r.recordHeaders = false;
      LOG.info("router on 127.0.0.1:{} pid {}", r.port(), ProcessHandle.current().pid());
      new CountDownLatch(1).await();
      return;
    }
    TlsEngineKind engine = TlsEngineKind.parse(args[1]);
    int port = Integer.parseInt(args[2]);
    int routerPort = Integer.parseInt(args[3]);
    // One event loop (the server is pinned to one core); native epoll as a farm node uses it (node.native-transport).
    boolean nativeTransport = Boolean.parseBoolean(System.getProperty("sslfarm.native", "true"));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(nativeTransport));
    LocalFarmCluster cluster = new LocalFarmCluster();
    cluster.nodes().register(new io.sslfarm.cluster.NodeInfo("bench-router", io.sslfarm.cluster.NodeRole.ROUTER,
        "127.0.0.1:" + routerPort, "127.0.0.1:1", 10, io.sslfarm.cluster.NodeState.ACTIVE, "bench", "m", 0))
        .toCompletableFuture().join();
    MapCertificateSource certs = new MapCertificateSource()
        .defaultCertificate(TestCertificates.selfSigned("localhost", 1, "localhost"));
    SslTier tier = new SslTier(new SslOptions().setHost("127.0.0.1").setPort(port).setEngine(engine)
        .setProxyProtocol(false).setAlpn(java.util.List.of("http/1.1")).setMaxConnections(0), certs);
    tier.start(new TestTierContext("bench-ssl", vertx, cluster, new SecretSealer(MasterKey.generate()))).await();
    LOG.info("tier {} on 127.0.0.1:{} pid {} (native transport: {})", engine.id(), tier.boundPort(),
        ProcessHandle.current().pid(), vertx.isNativeTransportEnabled());
    long[] last = {-1};
    vertx.setPeriodic(1000, id -> {
      long full = (long) tier.metrics().handshakes("full");
      long resumed = (long) tier.metrics().handshakes("resumed");
      long failed = (long) tier.metrics().handshakes("failed");
      if (full + resumed + failed != last[0]) {
        last[0] = full + resumed + failed;
        LOG.info("stats full={} resumed={} failed={}", full, resumed, failed);
      }
    });
    new CountDownLatch(1).await();
  }
}
