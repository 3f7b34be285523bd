package io.sslfarm.farm.cli;

import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.certs.store.CertificateService;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.JoinSecret;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.config.ConfigException;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.config.NodeConfigLoader;
import io.sslfarm.farm.CliException;
import io.sslfarm.farm.Schema;
import io.sslfarm.farm.Tiers;
import io.sslfarm.node.FarmConfigValidators;
import io.sslfarm.node.FarmNode;
import io.sslfarm.node.SecretFiles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sslfarm up}: a whole farm in this JVM, for trying it — demo backends, a router, SSL nodes and an edge, each
 * its own embedded Hazelcast member, a dev certificate generated and stored, a farm config applied.
 *
 * <pre>
 *   curl ─▶ edge :8443 ─▶ ssl :9443/:9444 ─▶ router :8080 ─▶ backend :8081/:8082
 * </pre>
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start a whole farm on this machine (embedded Hazelcast, dev certificate, demo backends)."
        + " Ctrl-C stops it cleanly.")
public final class UpCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

  @Option(names = "--dir", paramLabel = "DIR", description = "state directory (master key, admin token, dev CA, durable farm state);"
      + " default: ${DEFAULT-VALUE}")
  Path dir = Path.of(".sslfarm");

  @Option(names = "--host", description = "interface for every listener; default: ${DEFAULT-VALUE}")
  String host = "127.0.0.1";

  @Option(names = "--edge-port", description = "the HTTPS entry point; default: ${DEFAULT-VALUE}")
  int edgePort = 8443;

  @Option(names = "--event-loops", description = "event-loop threads, shared by every node of this farm (one process);"
      + " 0 = one per CPU; default: ${DEFAULT-VALUE}")
  int eventLoops = 0;

  @Option(names = "--in-process-hops", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "edge -> SSL node -> router inside this process without loopback TCP (node.in-process-hops);"
          + " --no-in-process-hops sends them over TCP as separate hosts would; default: ${DEFAULT-VALUE}")
  boolean inProcessHops = true;

  @Option(names = "--ssl-nodes", description = "number of SSL nodes; default: ${DEFAULT-VALUE}")
  int sslNodes = 2;

  @Option(names = "--backends", description = "number of demo backends; default: ${DEFAULT-VALUE}")
  int backends = 2;

  @Option(names = "--sticky", description = "stickiness of the demo pool: insert, learn or none;"
      + " default: ${DEFAULT-VALUE}")
  String sticky = "insert";

  @Option(names = "--names", split = ",", description = "names of the dev certificate; default: ${DEFAULT-VALUE}")
  List<String> names = List.of("localhost", "*.localhost", "127.0.0.1");

  @Option(names = "--cluster-port", description = "first Hazelcast port; default: ${DEFAULT-VALUE}")
  int clusterPort = 5801;

  @Option(names = "--admin-port", description = "admin port of the first node (the others follow);"
      + " default: ${DEFAULT-VALUE}")
  int adminPort = 9900;

  @Option(names = "--port-offset", description = "add this to every port (data, admin, cluster) to run a second"
      + " farm beside the first; default: ${DEFAULT-VALUE}")
  int portOffset = 0;

  @Option(names = "--exit-after", hidden = true, description = "stop after this many seconds (tests)")
  long exitAfterSeconds = 0;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  private final List<FarmNode> nodes = Collections.synchronizedList(new ArrayList<>());

  @Override
  public Integer call() throws Exception {
    if (sslNodes < 1 || sslNodes > 8 || backends < 1 || backends > 8) {
      throw new CliException(2, "--ssl-nodes and --backends must be 1-8");
    }
    PrintWriter out = spec.commandLine().getOut();
    Files.createDirectories(dir);
    Path masterKeyFile = dir.resolve("master.key");
    MasterKey.generate().writeTo(masterKeyFile); // keeps an existing one
    Path joinSecretFile = dir.resolve("join.secret");
    JoinSecret.generate().writeTo(joinSecretFile); // keeps an existing one
    Path tokenFile = dir.resolve("admin.token");
    if (!Files.exists(tokenFile)) {
      byte[] b = new byte[24];
      new SecureRandom().nextBytes(b);
      SecretFiles.createIfAbsent(tokenFile, Base64.getUrlEncoder().withoutPadding().encodeToString(b) + "\n");
    }
    // The dev CA first: every node's admin port serves HTTPS with a certificate it issues (admin.tls: on), and the
    // CLI verifies those with <dir>/dev-ca/ca.pem.
    Path caPem = DevCa.loadOrCreate(dir.resolve("dev-ca")).dir().resolve(DevCa.CERT_FILE);
    edgePort += portOffset;
    adminPort += portOffset;
    clusterPort += portOffset;
    int members = 1 + sslNodes + 1;
    String seeds = String.join(",", java.util.stream.IntStream.range(0, members)
        .mapToObj(i -> "127.0.0.1:" + (clusterPort + i)).toList());
    Map<String, Object> common = new HashMap<>();
    common.put("cluster.name", "sslfarm-up");
    common.put("cluster.seeds", seeds);
    common.put("cluster.master-key-file", masterKeyFile.toString());
    common.put("cluster.join-secret-file", joinSecretFile.toString());
    common.put("admin.token-file", tokenFile.toString());
    common.put("node.data-dir", dir.toString());
    common.put("cluster.state.enabled", true); // <dir>/state/<node id>: certificates and config survive a restart
    common.put("node.drain-timeout", "5s");
    common.put("certs.dev-ca-enabled", true); // a farm for trying: `certs gen` issues from the dev CA
    common.put("admin.host", host);
    common.put("admin.tls", "on");

    Thread hook = new Thread(() -> {
      stopAll();
      stopped.countDown();
    }, "sslfarm-up-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    try {
      int admin = adminPort;
      List<JsonObject> backendSpecs = new ArrayList<>();
      for (int i = 1; i <= backends; i++) {
        int port = 8080 + portOffset + i;
        Map<String, Object> o = new HashMap<>(common);
        o.put("node.id", "backend-" + i);
        o.put("cluster.mode", "none");
        o.put("backend.host", host);
        o.put("backend.port", port);
        o.put("admin.port", 0);
        start(NodeRole.BACKEND, o);
        backendSpecs.add(new JsonObject().put("id", "backend-" + i).put("address", host + ":" + port));
      }
      Map<String, Object> r = new HashMap<>(common);
      r.put("node.id", "router-1");
      r.put("cluster.port", clusterPort);
      r.put("router.host", host);
      r.put("router.port", 8080 + portOffset);
      r.put("admin.port", admin + 1 + sslNodes);
      FarmNode router = start(NodeRole.ROUTER, r);
      FarmCluster cluster = router.cluster();
      applyFarmConfig(cluster, backendSpecs);
      storeDevCertificate(cluster, masterKeyFile);
      for (int i = 1; i <= sslNodes; i++) {
        Map<String, Object> s = new HashMap<>(common);
        s.put("node.id", "ssl-" + i);
        s.put("cluster.port", clusterPort + i);
        s.put("ssl.host", host);
        s.put("ssl.port", 9442 + portOffset + i);
        s.put("certs.default-id", "dev");
        s.put("admin.port", admin + i);
        start(NodeRole.SSL, s);
      }
      Map<String, Object> e = new HashMap<>(common);
      e.put("node.id", "edge-1");
      e.put("cluster.port", clusterPort + sslNodes + 1);
      e.put("edge.host", host);
      e.put("edge.port", edgePort);
      e.put("admin.port", admin);
      start(NodeRole.EDGE, e);

      out.println();
      out.println("sslfarm is up: 1 edge, " + sslNodes + " SSL nodes, 1 router, " + backends
          + " demo backends (embedded Hazelcast, " + cluster.memberCount() + " members).");
      out.println("  try:     curl --cacert " + caPem + " https://localhost:" + edgePort + "/");
      out.println("  sticky:  curl --cacert " + caPem + " -c jar -b jar https://localhost:" + edgePort + "/  (twice)");
      out.println("  status:  ./sslfarm status        (admin API https://" + host + ":" + admin + "/, token in "
          + tokenFile + ", CA " + caPem + ")");
      out.println("  metrics: curl --cacert " + caPem + " https://" + host + ":" + admin + "/metrics");
      out.println("Ctrl-C stops the farm.");
      out.flush();
    } catch (RuntimeException ex) {
      stopAll();
      throw ex;
    }
    ready.countDown();
    boolean signalled = exitAfterSeconds > 0 ? stopped.await(exitAfterSeconds, TimeUnit.SECONDS) : waitForever();
    if (!signalled || stopRequested) {
      stopAll();
      Runtime.getRuntime().removeShutdownHook(hook);
    }
    return 0;
  }

  private boolean waitForever() throws InterruptedException {
    stopped.await();
    return true;
  }

  /** Counted down once every node serves (tests). */
  final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean stopRequested;

  /** Stops the farm as Ctrl-C would (tests). */
  void requestStop() {
    stopRequested = true;
    stopped.countDown();
  }

  private FarmNode start(NodeRole role, Map<String, Object> overrides) {
    NodeConfig cfg;
    try {
      Map<String, Object> o = new HashMap<>(overrides);
      o.put("node.role", role.id());
      o.putIfAbsent("node.event-loops", eventLoops);
      o.putIfAbsent("node.in-process-hops", inProcessHops);
      cfg = new NodeConfigLoader(Schema.ALL).load(null, Map.of(), o);
    } catch (ConfigException e) {
      throw new CliException(2, "config error: " + e.getMessage());
    }
    FarmNode node = new FarmNode(cfg, role, Tiers.create(role), Tiers.adminIssuer(cfg));
    try {
      node.start().toCompletableFuture().join();
    } catch (CompletionException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      throw new CliException(1, role.id() + " node did not start: " + c.getMessage());
    }
    nodes.add(node);
    return node;
  }

  private void applyFarmConfig(FarmCluster cluster, List<JsonObject> backendSpecs) {
    FarmConfig kept = cluster.config().current();
    if (kept.sections().containsKey("pools") || kept.sections().containsKey("routes")) {
      // the durable state of an earlier run (--dir) brought the farm config back: the user's routes and pools stay
      System.out.println("farm config kept from " + dir.resolve("state") + " (sections " + new java.util.TreeSet<>(
          kept.sections().keySet()) + "); the demo config is applied only to a new --dir");
      return;
    }
    JsonObject pool = new JsonObject().put("backends", new JsonArray(backendSpecs))
        .put("sticky", new JsonObject().put("mode", sticky))
        .put("health", new JsonObject().put("path", "/health").put("interval", "2s").put("timeout", "1s")
            .put("rise", 2).put("fall", 2));
    FarmConfig fc = FarmConfig.fromJson(new JsonObject()
        .put("routes", new JsonObject().put("default-pool", "web"))
        .put("pools", new JsonObject().put("web", pool)));
    try {
      FarmConfigValidators.validate(fc);
    } catch (ConfigException | IllegalArgumentException e) {
      throw new CliException(2, "demo farm config: " + e.getMessage());
    }
    cluster.config().apply(fc).toCompletableFuture().join();
  }

  private Path storeDevCertificate(FarmCluster cluster, Path masterKeyFile) throws IOException {
    DevCa ca = DevCa.loadOrCreate(dir.resolve("dev-ca"));
    GeneratedCertificate g = ca.issue(names, Duration.ofDays(90), io.sslfarm.certs.gen.KeyType.EC_P256);
    SecretSealer sealer = new SecretSealer(MasterKey.fromFile(masterKeyFile));
    CertificateService service = new CertificateService(cluster.certificates(), cluster.nodes(), sealer, 14,
        new CertsMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    try {
      service.add("dev", g.chainPem(), g.keyPem(), null).toCompletableFuture().join();
    } catch (CompletionException e) {
      throw new CliException(1, "dev certificate: " + e.getCause().getMessage());
    }
    Path caPem = dir.resolve("dev-ca").resolve("ca.pem");
    log.info("dev certificate 'dev' for {} stored; clients trust {}", names, caPem);
    return caPem;
  }

  private void stopAll() {
    List<FarmNode> copy;
    synchronized (nodes) {
      copy = new ArrayList<>(nodes);
      nodes.clear();
    }
    // Front to back, as traffic flows: edges, then SSL nodes, then routers, then backends; the nodes of one role
    // drain side by side (each waits for its own connections), so Ctrl-C takes one drain per tier, not per node.
    Collections.reverse(copy);
    while (!copy.isEmpty()) {
      NodeRole role = copy.get(0).role();
      List<FarmNode> tier = copy.stream().filter(n -> n.role() == role).toList();
      copy.removeAll(tier);
      List<CompletableFuture<Void>> stops = tier.stream().map(n -> n.stop().toCompletableFuture()).toList();
      for (int i = 0; i < tier.size(); i++) {
        try {
          stops.get(i).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          log.warn("node {} did not stop cleanly: {}", tier.get(i).nodeId(), e.toString());
        }
      }
    }
  }
}
