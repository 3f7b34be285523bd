package io.sslfarm.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.FrameConsumerResultCallback;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * A farm of containers on one Testcontainers {@link Network}: demo backends, routers, SSL nodes and edges, all from
 * the one image. Every published port is bound to 127.0.0.1 only (random host port); after a {@code docker stop} /
 * {@code docker start} the new host port is read back from the engine.
 *
 * <pre>
 *   test JVM ──127.0.0.1:random──▶ edge1/edge2 :8443 ─▶ ssl1..sslN :9443 ─▶ router1/router2 :8080 ─▶ backend1/2 :8081
 *   (admin :9900 of every node is published too; the SSL nodes' :9443 for direct probes with a PROXY header)
 * </pre>
 */
final class DockerFarm implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DockerFarm.class);
  static final int ADMIN = 9900;
  static final int EDGE = 8443;
  static final int SSL = 9443;

  private final String image;
  private final Network network;
  private final String runId = Long.toHexString(System.nanoTime() & 0xffffff);
  private final String subnet;
  private final String masterKey;
  private final String joinSecret;
  private final String token;
  private final Map<String, GenericContainer<?>> nodes = new ConcurrentHashMap<>();
  private final Map<String, Map<Integer, Integer>> hostPorts = new ConcurrentHashMap<>();

  DockerFarm(String image) {
    this.image = image;
    removeLeftovers();
    this.network = Network.newNetwork();
    this.subnet = DockerSupport.client().inspectNetworkCmd().withNetworkId(network.getId()).exec()
        .getIpam().getConfig().get(0).getSubnet();
    SecureRandom r = new SecureRandom();
    byte[] k = new byte[32];
    r.nextBytes(k);
    this.masterKey = Base64.getEncoder().encodeToString(k);
    byte[] j = new byte[32];
    r.nextBytes(j);
    this.joinSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(j);
    byte[] t = new byte[24];
    r.nextBytes(t);
    this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(t);
    log.info("farm network {} subnet {}", network.getId(), subnet);
  }

  /** Containers of an earlier run that died without cleaning up (there is no Ryuk here). */
  private static void removeLeftovers() {
    DockerClient c = DockerSupport.client();
    c.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("sslfarm.it", "true")).exec()
        .forEach(x -> c.removeContainerCmd(x.getId()).withForce(true).exec());
  }

  String token() {
    return token;
  }

  String subnet() {
    return subnet;
  }

  GenericContainer<?> backend(String id) {
    return define(id, "backend", Map.of("SSLFARM_BACKEND_HOST", "0.0.0.0"), ADMIN);
  }

  GenericContainer<?> router(String id) {
    Map<String, String> env = clusterEnv(id);
    env.put("SSLFARM_ROUTER_TRUSTED_PROXIES", subnet);
    env.put("SSLFARM_ROUTER_EVENT_LOOPS", "1");
    return define(id, "router", env, ADMIN);
  }

  GenericContainer<?> ssl(String id) {
    Map<String, String> env = clusterEnv(id);
    // The edges, and the host's probes (they arrive from the network's gateway address), may send PROXY headers.
    env.put("SSLFARM_SSL_TRUSTED_PROXIES", subnet);
    env.put("SSLFARM_CERTS_DEFAULT_ID", "dev");
    env.put("SSLFARM_SSL_ENGINE", System.getProperty("sslfarm.it.sslEngine", "conscrypt"));
    return define(id, "ssl", env, ADMIN, SSL);
  }

  GenericContainer<?> edge(String id) {
    Map<String, String> env = clusterEnv(id);
    env.put("SSLFARM_EDGE_CONNECT_TIMEOUT", "500ms");
    env.put("SSLFARM_EDGE_HEALTH_INTERVAL", "500ms");
    env.put("SSLFARM_EDGE_HEALTH_TIMEOUT", "400ms");
    return define(id, "edge", env, ADMIN, EDGE);
  }

  private Map<String, String> clusterEnv(String id) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SSLFARM_CLUSTER_NAME", "it-" + runId);
    env.put("SSLFARM_CLUSTER_SEEDS", "router1:5701,router2:5701");
    env.put("SSLFARM_CLUSTER_MASTER_KEY", masterKey);
    env.put("SSLFARM_CLUSTER_JOIN_SECRET", joinSecret); // one farm: the same join secret in every container
    env.put("SSLFARM_NODE_DRAIN_TIMEOUT", "15s");
    return env;
  }

  private GenericContainer<?> define(String id, String role, Map<String, String> roleEnv, int... ports) {
    Map<String, String> env = new LinkedHashMap<>(roleEnv);
    env.put("SSLFARM_NODE_ID", id);
    env.put("SSLFARM_ADMIN_TOKEN", token);
    // Small JVMs that start fast on two shared cores.
    env.put("SSLFARM_OPTS", "-Xmx160m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError"
        + " -Dhazelcast.phone.home.enabled=false");
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
        .withImagePullPolicy(name -> false)
        .withNetwork(network).withNetworkAliases(id)
        .withLabel("sslfarm.it", "true")
        .withCommand(role)
        .withEnv(env)
        .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("container." + id)))
        // Live, not ready: a router is ready only once a farm config with a pool exists, which the suite applies
        // after the first nodes are up (start(...) then awaitReady(...)).
        .waitingFor(Wait.forHttp("/health/live").forPort(ADMIN).forStatusCode(200)
            .withStartupTimeout(Duration.ofSeconds(150)));
    c.withCreateContainerCmdModifier(cmd -> {
      cmd.withName("sslfarm-it-" + id + "-" + runId);
      Ports bindings = new Ports();
      List<ExposedPort> exposed = new ArrayList<>();
      for (int p : ports) {
        exposed.add(ExposedPort.tcp(p));
        // Loopback only: nothing of the farm is reachable from outside this machine.
        bindings.add(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(p)));
      }
      cmd.withExposedPorts(exposed);
      cmd.getHostConfig().withPublishAllPorts(false).withPortBindings(bindings);
    });
    c.withExposedPorts(Stream.of(ports[0]).toArray(Integer[]::new));
    nodes.put(id, c);
    return c;
  }

  /** Starts the given nodes in parallel and waits until each is live (/health/live = 200). */
  void start(GenericContainer<?>... cs) {
    Startables.deepStart(Stream.of(cs)).join();
    for (GenericContainer<?> c : cs) {
      refreshPorts(idOf(c));
    }
  }

  /** Waits until every given node answers /health/ready with 200 (bounded). */
  void awaitReady(Duration max, String... ids) {
    long deadline = System.nanoTime() + max.toNanos();
    for (String id : ids) {
      Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
      try {
        Awaitility.await(id + " ready").atMost(left).pollInterval(Duration.ofMillis(100)).until(() -> ready(id));
      } catch (ConditionTimeoutException e) {
        throw new IllegalStateException(id + " not ready within " + max + ": " + admin(id, "/health/ready"));
      }
    }
  }

  GenericContainer<?> node(String id) {
    GenericContainer<?> c = nodes.get(id);
    if (c == null) {
      throw new IllegalArgumentException("no node " + id);
    }
    return c;
  }

  private String idOf(GenericContainer<?> c) {
    return nodes.entrySet().stream().filter(e -> e.getValue() == c).findFirst().orElseThrow().getKey();
  }

  /** Host port (on 127.0.0.1) currently mapped to a container port of a node. */
  int hostPort(String id, int containerPort) {
    Integer p = hostPorts.getOrDefault(id, Map.of()).get(containerPort);
    if (p == null) {
      throw new IllegalStateException(id + ": port " + containerPort + " not published (node down?)");
    }
    return p;
  }

  void refreshPorts(String id) {
    InspectContainerResponse info = DockerSupport.client().inspectContainerCmd(node(id).getContainerId()).exec();
    Map<Integer, Integer> m = new ConcurrentHashMap<>();
    info.getNetworkSettings().getPorts().getBindings().forEach((exposed, binds) -> {
      if (binds != null && binds.length > 0 && binds[0].getHostPortSpec() != null) {
        m.put(exposed.getPort(), Integer.parseInt(binds[0].getHostPortSpec()));
      }
    });
    hostPorts.put(id, m);
  }

  /** SIGKILL: the node gets no chance to drain or leave the cluster. */
  void kill(String id) {
    DockerSupport.client().killContainerCmd(node(id).getContainerId()).exec();
    hostPorts.remove(id);
  }

  /** SIGTERM and wait (the node drains, then leaves): {@code docker stop -t 40}. */
  void stop(String id) {
    // Ports stay known while it drains: whoever balances over the nodes sees /health/ready turn 503 by itself.
    DockerSupport.client().stopContainerCmd(node(id).getContainerId()).withTimeout(40).exec();
    hostPorts.remove(id);
  }

  /** {@code docker start} of a stopped or killed node; returns once it is ready again. */
  void restart(String id) {
    long since = System.currentTimeMillis() / 1000;
    DockerSupport.client().startContainerCmd(node(id).getContainerId()).exec();
    followLogs(id, since);
    refreshPorts(id);
    try {
      Awaitility.await(id + " ready").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(200))
          .until(() -> ready(id));
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException(id + " not ready 150 s after docker start");
    }
  }

  /** After a docker start Testcontainers no longer follows the output: follow it again (from {@code since}, s). */
  private void followLogs(String id, long sinceEpochSeconds) {
    Slf4jLogConsumer consumer = new Slf4jLogConsumer(LoggerFactory.getLogger("container." + id));
    FrameConsumerResultCallback callback = new FrameConsumerResultCallback();
    callback.addConsumer(OutputFrame.OutputType.STDOUT, consumer);
    callback.addConsumer(OutputFrame.OutputType.STDERR, consumer);
    DockerSupport.client().logContainerCmd(node(id).getContainerId()).withFollowStream(true).withStdOut(true)
        .withStdErr(true).withSince((int) sinceEpochSeconds).exec(callback);
  }

  /** GET /health/ready on the node's admin port (false when down or draining). */
  boolean ready(String id) {
    Integer p = hostPorts.getOrDefault(id, Map.of()).get(ADMIN);
    return p != null && httpStatus(p, "/health/ready", null) == 200;
  }

  /** Text of an admin endpoint (null when it does not answer 200). */
  String admin(String id, String path) {
    Integer p = hostPorts.getOrDefault(id, Map.of()).get(ADMIN);
    if (p == null) {
      return null;
    }
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + p + path).toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      c.setRequestProperty("Authorization", "Bearer " + token);
      try {
        return c.getResponseCode() == 200 ? new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : null;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return null;
    }
  }

  private int httpStatus(int port, String path, String bearer) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(1000);
      if (bearer != null) {
        c.setRequestProperty("Authorization", "Bearer " + bearer);
      }
      try {
        return c.getResponseCode();
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return -1;
    }
  }

  /** Runs {@code sslfarm ARGS} inside a node (its environment carries the admin token); fails on a non-zero exit. */
  String cli(String id, String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "sslfarm";
    System.arraycopy(args, 0, cmd, 1, args.length);
    try {
      Container.ExecResult r = node(id).execInContainer(cmd);
      if (r.getExitCode() != 0) {
        throw new IllegalStateException("`" + String.join(" ", cmd) + "` in " + id + " exited " + r.getExitCode()
            + ": " + r.getStdout() + r.getStderr());
      }
      return r.getStdout();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void copyTo(String id, String text, String path) {
    node(id).copyFileToContainer(Transferable.of(text.getBytes(StandardCharsets.UTF_8), 0644), path);
  }

  String readFrom(String id, String path) {
    return node(id).copyFileFromContainer(path, in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    for (GenericContainer<?> c : nodes.values()) {
      try {
        c.stop();
      } catch (RuntimeException e) {
        log.warn("stopping a container: {}", e.toString());
      }
    }
    removeLeftovers();
    network.close();
  }
}
