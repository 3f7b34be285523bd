package io.sslfarm.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The farm in containers, end to end, one shared farm, scenarios in order (each leaves every node running):
 *
 * <pre>
 *   backend1, backend2 (no cluster) ◀─ router1, router2 ◀─ ssl1, ssl2 (+ ssl3) ◀─ edge1, edge2 ◀─ test JVM (127.0.0.1)
 * </pre>
 *
 * Each measured number is logged as {@code IT-RESULT key=value} and appended to target/it-results.txt.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class FarmScenariosIT {

  private static final Logger log = LoggerFactory.getLogger(FarmScenariosIT.class);
  private static final Logger results = LoggerFactory.getLogger("IT-RESULT");
  private static final String PKI = "/var/lib/sslfarm/pki";

  private DockerFarm farm;
  private HttpsClient client;
  private String caPem;
  private final List<String> edges = List.of("edge1", "edge2");
  private final List<String> sslNodes = new CopyOnWriteArrayList<>(List.of("ssl1", "ssl2"));
  /** Edge data ports a front balancer would use now: edges whose /health/ready is 200 (refreshed by a poller). */
  private volatile List<Integer> readyEdgePorts = List.of();
  private Thread edgePoller;
  private volatile boolean polling = true;

  @BeforeAll
  @Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
  void startFarm() throws Exception {
    String image = DockerSupport.image();
    Files.deleteIfExists(resultsFile());
    long t0 = System.nanoTime();
    farm = new DockerFarm(image);
    farm.start(farm.backend("backend1"), farm.backend("backend2"), farm.router("router1"));
    farm.start(farm.router("router2"), farm.ssl("ssl1"), farm.ssl("ssl2"), farm.edge("edge1"), farm.edge("edge2"));
    result("farm_start_ms", ms(t0));

    // Farm config and the dev certificate, through the CLI inside router1 (like an operator with docker exec).
    farm.copyTo("router1", """
        routes:
          default-pool: web
        pools:
          web:
            backends:
              - id: backend1
                address: backend1:8081
              - id: backend2
                address: backend2:8081
            sticky:
              mode: insert
            health:
              path: /health
              interval: 1s
              timeout: 500ms
              rise: 1
              fall: 2
        """, "/tmp/farm.yaml");
    farm.cli("router1", "apply", "/tmp/farm.yaml", "--admin", "127.0.0.1:9900");
    farm.cli("router1", "certs", "gen", "--out", PKI, "--id", "dev", "localhost", "127.0.0.1");
    farm.cli("router1", "certs", "add", "--id", "dev", "--cert", PKI + "/dev.pem", "--key", PKI + "/dev.key",
        "--admin", "127.0.0.1:9900");
    caPem = farm.readFrom("router1", PKI + "/ca.pem");
    client = new HttpsClient(caPem);
    // Routers turn ready once the farm config has a pool; every node must be ready before the scenarios run.
    farm.awaitReady(Duration.ofSeconds(60), "backend1", "backend2", "router1", "router2", "ssl1", "ssl2", "edge1",
        "edge2");

    edgePoller = new Thread(() -> {
      while (polling) {
        List<Integer> ports = new ArrayList<>();
        for (String e : edges) {
          if (farm.ready(e)) {
            try {
              ports.add(farm.hostPort(e, DockerFarm.EDGE));
            } catch (IllegalStateException ignored) {
              // stopped between the two calls
            }
          }
        }
        readyEdgePorts = List.copyOf(ports);
        DockerFarm.sleep(100);
      }
    }, "edge-poller");
    edgePoller.setDaemon(true);
    edgePoller.start();

    long t1 = System.nanoTime();
    await("first request through the farm").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .ignoreExceptions().until(() -> client.get(readyEdgePorts.get(0), "/", null, 3000).status() == 200);
    result("farm_first_request_after_cert_ms", ms(t1));
  }

  @AfterAll
  void stopFarm() {
    polling = false;
    if (farm != null) {
      farm.close();
    }
  }

  private LoadRun load(List<LoadRun.Session> sessions, long maxMillis) {
    return new LoadRun(client, () -> readyEdgePorts, sessions, 4, 25, 200_000, maxMillis);
  }

  @Test
  @Order(1)
  void scaleOut_newSslNodeReceivesConnectionsWithin5s() {
    LoadRun load = load(List.of(), 120_000);
    load.awaitCompleted(0, 100, Duration.ofSeconds(60));
    long t0 = System.nanoTime();
    farm.start(farm.ssl("ssl3"));
    farm.awaitReady(Duration.ofSeconds(60), "ssl3");
    long startToReady = ms(t0);
    sslNodes.add("ssl3");
    long ready = System.nanoTime();
    // The edges count picks per SSL node: the first pick of ssl3 is its first connection.
    await("ssl3 picked by an edge").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
        .until(() -> edges.stream().mapToDouble(e -> picks(e, "ssl3")).sum() > 0);
    long firstConn = ms(ready);
    load.awaitCompleted(load.now(), 100, Duration.ofSeconds(60));
    List<LoadRun.Outcome> out = load.finish();
    double ssl3 = edges.stream().mapToDouble(e -> picks(e, "ssl3")).sum();
    result("scale_out_start_to_ready_ms", startToReady);
    result("scale_out_first_conn_ms", firstConn);
    result("scale_out_new_node_picks", (long) ssl3);
    result("scale_out_requests", out.size());
    result("scale_out_failed_requests", failed(out));
    assertThat(firstConn).as("ms from ssl3 ready to its first connection").isLessThanOrEqualTo(5000);
    assertThat(failed(out)).as("failed requests while scaling out").isZero();
  }

  @Test
  @Order(2)
  void rotateCertificateThroughCli_everySslNodeServesItWithin2s() {
    farm.cli("router1", "certs", "gen", "--out", PKI, "--id", "rotated", "localhost", "127.0.0.1");
    String rotated = HttpsClient.fingerprintOfPem(farm.readFrom("router1", PKI + "/rotated.pem"));
    for (String n : sslNodes) {
      assertThat(probe(n).fingerprint()).as(n + " before rotation").isNotEqualTo(rotated);
    }
    long t0 = System.nanoTime();
    farm.cli("router1", "certs", "add", "--id", "dev", "--cert", PKI + "/rotated.pem", "--key",
        PKI + "/rotated.key", "--admin", "127.0.0.1:9900");
    long cliMs = ms(t0);
    long acked = System.nanoTime();
    Map<String, Long> seenAfterAck = new HashMap<>();
    await("every SSL node serves the rotated certificate").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20)).until(() -> {
          for (String n : sslNodes) {
            if (!seenAfterAck.containsKey(n) && rotated.equals(probeQuietly(n))) {
              seenAfterAck.put(n, ms(acked));
            }
          }
          return seenAfterAck.size() == sslNodes.size();
        });
    long worst = seenAfterAck.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    result("rotate_cli_command_ms", cliMs);
    result("rotate_all_nodes_after_cli_ms", worst);
    result("rotate_nodes", sslNodes.size());
    assertThat(worst).as("ms from `certs add` returning to every SSL node serving the new certificate")
        .isLessThanOrEqualTo(2000);
    // And through the edges too.
    assertThat(probeThroughEdge().fingerprint()).isEqualTo(rotated);
  }

  @Test
  @Order(3)
  void killSslNodeUnderLoad_noNewConnectionFailsAfter1s_resumptionWorksOnOthers() {
    LoadRun load = load(List.of(), 120_000);
    load.awaitCompleted(0, 100, Duration.ofSeconds(60));
    long killAt = load.now();
    farm.kill("ssl1");
    sslNodes.remove("ssl1");
    // the promise is about new connections from 1 s after the kill on: enough of them to mean something
    load.awaitCompleted(killAt + 1000, 250, Duration.ofSeconds(90));
    List<LoadRun.Outcome> out = load.finish();
    List<LoadRun.Outcome> after = out.stream().filter(o -> o.startMs() >= killAt).toList();
    long failedAfter1s = after.stream().filter(o -> !o.ok() && o.startMs() > killAt + 1000).count();
    long lastFailure = after.stream().filter(o -> !o.ok()).mapToLong(o -> o.startMs() - killAt).max().orElse(0);
    result("kill_ssl_requests_after_kill", after.size());
    result("kill_ssl_failed_requests", failed(after));
    result("kill_ssl_failed_after_1s", failedAfter1s);
    result("kill_ssl_reroute_ms", lastFailure);

    int resumed = 0;
    for (String n : sslNodes) {
      if (resumes(n)) {
        resumed++;
      }
    }
    result("kill_ssl_surviving_nodes_resuming", resumed + "/" + sslNodes.size());
    int surviving = sslNodes.size();

    // Back to full strength before asserting: the later scenarios run on the whole farm either way.
    long t0 = System.nanoTime();
    farm.restart("ssl1");
    sslNodes.add(0, "ssl1");
    result("kill_ssl_restart_to_ready_ms", ms(t0));

    assertThat(failedAfter1s).as("connections started more than 1 s after the kill that failed").isZero();
    assertThat(resumed).as("surviving SSL nodes that resume a TLS 1.2 session").isEqualTo(surviving);
  }

  @Test
  @Order(4)
  void killRouter_noStickySessionLost() throws Exception {
    List<LoadRun.Session> sessions = new ArrayList<>();
    Map<String, Integer> perBackend = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      HttpsClient.Response r = client.get(readyEdgePorts.get(i % readyEdgePorts.size()), "/", null, 5000);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.setCookie()).as("insert-mode sticky cookie").isNotNull();
      sessions.add(new LoadRun.Session(r.setCookie(), r.backend()));
      perBackend.merge(r.backend(), 1, Integer::sum);
    }
    assertThat(perBackend).as("sessions spread over both backends").hasSize(2);
    LoadRun load = load(sessions, 120_000);
    load.awaitCompleted(0, 100, Duration.ofSeconds(60));
    long killAt = load.now();
    farm.kill("router1");
    load.awaitCompleted(killAt + 1000, 250, Duration.ofSeconds(90));
    List<LoadRun.Outcome> out = load.finish();
    List<LoadRun.Outcome> after = out.stream().filter(o -> o.startMs() >= killAt).toList();
    java.util.Set<Integer> lost = new java.util.TreeSet<>();
    for (LoadRun.Outcome o : out) {
      if (o.ok() && !sessions.get(o.session()).backend().equals(o.backend())) {
        lost.add(o.session());
      }
    }
    // After the dust settles, every session once more, one by one.
    for (int i = 0; i < sessions.size(); i++) {
      HttpsClient.Response r = client.get(readyEdgePorts.get(0), "/", sessions.get(i).cookie(), 5000);
      if (r.status() != 200 || !sessions.get(i).backend().equals(r.backend())) {
        lost.add(i);
      }
    }
    long lastFailure = after.stream().filter(o -> !o.ok()).mapToLong(o -> o.startMs() - killAt).max().orElse(0);
    result("kill_router_sessions", sessions.size());
    result("kill_router_requests_after_kill", after.size());
    result("kill_router_failed_requests", failed(after));
    result("kill_router_reroute_ms", lastFailure);
    result("kill_router_sticky_sessions_lost", lost.size());

    long t0 = System.nanoTime();
    farm.restart("router1");
    result("kill_router_restart_to_ready_ms", ms(t0));

    assertThat(lost).as("sticky sessions answered by another backend").isEmpty();
  }

  @Test
  @Order(5)
  @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
  void rollingRestart_drainAndStopEveryNodeInTurn_zeroFailedRequests() {
    List<String> order = new ArrayList<>(sslNodes);
    order.addAll(List.of("router1", "router2", "edge1", "edge2"));
    LoadRun load = load(List.of(), 600_000);
    load.awaitCompleted(0, 100, Duration.ofSeconds(60));
    long t0 = System.nanoTime();
    for (String n : order) {
      long s = System.nanoTime();
      farm.stop(n);
      long drained = ms(s);
      farm.restart(n);
      log.info("rolling restart: {} drained+stopped in {} ms, ready again after {} ms", n, drained, ms(s));
      result("rolling_" + n + "_stop_ms", drained);
      result("rolling_" + n + "_cycle_ms", ms(s));
    }
    load.awaitCompleted(load.now(), 100, Duration.ofSeconds(60));   // the farm, whole again, under load
    List<LoadRun.Outcome> out = load.finish();
    result("rolling_restart_nodes", order.size());
    result("rolling_restart_total_ms", ms(t0));
    result("rolling_restart_requests", out.size());
    result("rolling_restart_failed_requests", failed(out));
    result("rolling_restart_get_retried_after_close_before_response", load.retriedBeforeResponse());
    assertThat(out.size()).as("requests during the rolling restart").isGreaterThan(100);
    assertThat(failed(out)).as("failed requests during the rolling restart").isZero();
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** TLS handshake straight to an SSL node's published port, after the PROXY v2 header an edge would send. */
  private HttpsClient.Response probe(String node) {
    try {
      return client.exchange(farm.hostPort(node, DockerFarm.SSL), proxyHeader(), "/", null, 3000, null);
    } catch (IOException e) {
      throw new IllegalStateException(node + ": " + e, e);
    }
  }

  private String probeQuietly(String node) {
    try {
      return probe(node).fingerprint();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private HttpsClient.Response probeThroughEdge() {
    try {
      return client.get(readyEdgePorts.get(0), "/", null, 3000);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Two TLS 1.2 handshakes to the node with a fresh client session cache: the second must resume the first. */
  private boolean resumes(String node) {
    try {
      HttpsClient fresh = new HttpsClient(caPem);
      int port = farm.hostPort(node, DockerFarm.SSL);
      HttpsClient.Response a = fresh.exchange(port, proxyHeader(), "/", null, 3000, "TLSv1.2");
      HttpsClient.Response b = fresh.exchange(port, proxyHeader(), "/", null, 3000, "TLSv1.2");
      boolean resumed = java.util.Arrays.equals(a.session().getId(), b.session().getId())
          && a.session().getCreationTime() == b.session().getCreationTime();
      log.info("{}: second TLS 1.2 handshake {}", node, resumed ? "resumed" : "was full");
      return resumed && a.status() == 200 && b.status() == 200;
    } catch (IOException | RuntimeException e) {
      log.warn("{}: resumption probe failed: {}", node, e.toString());
      return false;
    }
  }

  private static byte[] proxyHeader() {
    return HttpsClient.proxyV2Header(new byte[] {(byte) 192, 0, 2, 10}, 40000, new byte[] {127, 0, 0, 1}, 9443);
  }

  /** sslfarm_edge_upstream_picks_total{node=...} on an edge's /metrics (0 when absent or the edge is down). */
  private double picks(String edge, String node) {
    String m = farm.admin(edge, "/metrics");
    if (m == null) {
      return 0;
    }
    Matcher x = Pattern.compile("^sslfarm_edge_upstream_picks_total\\{[^}]*node=\"" + Pattern.quote(node)
        + "\"[^}]*}\\s+([0-9.eE+-]+)", Pattern.MULTILINE).matcher(m);
    double sum = 0;
    while (x.find()) {
      sum += Double.parseDouble(x.group(1));
    }
    return sum;
  }

  private static long failed(List<LoadRun.Outcome> out) {
    return out.stream().filter(o -> !o.ok()).count();
  }

  private static long ms(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static Path resultsFile() {
    return Path.of(System.getProperty("sslfarm.it.results", "target/it-results.txt"));
  }

  private static void result(String key, Object value) {
    String line = "IT-RESULT " + key + "=" + value;
    results.info(line);
    try {
      Path f = resultsFile();
      Files.createDirectories(f.toAbsolutePath().getParent());
      Files.writeString(f, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      log.warn("cannot write the results file: {}", e.toString());
    }
  }
}
