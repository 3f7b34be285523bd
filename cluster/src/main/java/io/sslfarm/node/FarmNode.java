package io.sslfarm.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.sslfarm.net.InProcess;
import io.sslfarm.admin.AdminCertificateIssuer;
import io.sslfarm.admin.AdminException;
import io.sslfarm.admin.AdminTlsCertificate;
import io.sslfarm.admin.AdminResponse;
import io.sslfarm.admin.AdminRoutes;
import io.sslfarm.admin.AdminServer;
import io.sslfarm.cluster.ClusterOptions;
import io.sslfarm.cluster.JoinSecret;
import io.sslfarm.cluster.DurableStateOptions;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmClusters;
import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.NodeDirectoryListener;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.config.ConfigException;
import io.sslfarm.config.NodeConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One farm node: validated config → master key and admin token → Vert.x (with Micrometer) → cluster → admin server →
 * tier → registry entry. {@link #stop()} drains: DRAINING in the registry, a grace period for upstream selectors to see
 * it, listener closed, open connections awaited up to {@code node.drain-timeout}, then the node leaves the cluster.
 *
 * <pre>
 *   start():  config ─▶ vertx ─▶ cluster ─▶ admin ─▶ tier.start ─▶ register(ACTIVE)
 *   stop():   DRAINING ─▶ (grace) ─▶ tier.stopAccepting ─▶ wait active=0 ─▶ tier.close ─▶ deregister ─▶ leave
 * </pre>
 */
public final class FarmNode {

  private static final Logger log = LoggerFactory.getLogger(FarmNode.class);
  public static final String VERSION = versionOf();
  /** Time given to other nodes to see DRAINING before the listener closes. */
  private static final Duration DRAIN_GRACE = Duration.ofMillis(1500);

  private final NodeConfig config;
  private final NodeRole role;
  private final Tier tier;
  private final AdminCertificateIssuer adminIssuer;
  private final NodeMetrics metrics = new NodeMetrics();
  private Vertx vertx;
  private FarmCluster cluster;
  private AdminServer admin;
  private SecretSealer sealer;
  private JoinSecret joinSecret;
  private String nodeId;
  private HostPort dataAddress;
  private HostPort adminAddress;
  private String token;
  private String readToken;
  private AdminTlsCertificate adminTls;
  private volatile boolean serving;
  private volatile boolean draining;
  private volatile boolean stopping;
  private long loadTimer = -1;
  private AutoCloseable registryListener;

  public FarmNode(NodeConfig config, NodeRole role, Tier tier) {
    this(config, role, tier, AdminCertificateIssuer.NONE);
  }

  /** @param adminIssuer issues the admin port's certificate from the dev CA when no admin.tls-cert-file is set */
  public FarmNode(NodeConfig config, NodeRole role, Tier tier, AdminCertificateIssuer adminIssuer) {
    this.config = config;
    this.role = role;
    this.tier = tier;
    this.adminIssuer = java.util.Objects.requireNonNull(adminIssuer, "adminIssuer");
  }

  private static String versionOf() {
    String v = FarmNode.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  /** Starts the node; fails with a {@link ConfigException} naming the key for bad configuration. */
  public CompletionStage<FarmNode> start() {
    CompletableFuture<FarmNode> result = new CompletableFuture<>();
    try {
      prepare();
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return result;
    }
    String mode = config.get(NodeOptions.CLUSTER_MODE);
    CompletionStage<FarmCluster> joined = "none".equals(mode)
        ? CompletableFuture.completedFuture(null)
        : FarmClusters.start(clusterOptions(), stateOptions());
    joined.whenComplete((c, err) -> {
      if (err != null) {
        log.error("node {}: cannot join the cluster: {}", nodeId, err.toString());
        vertx.close();
        result.completeExceptionally(err);
        return;
      }
      cluster = c;
      startAdminAndTier().onComplete(ar -> {
        if (ar.succeeded()) {
          result.complete(this);
        } else {
          log.error("node {}: start failed: {}", nodeId, ar.cause().toString());
          shutdownQuietly().whenComplete((x, y) -> result.completeExceptionally(ar.cause()));
        }
      });
    });
    return result;
  }

  private void prepare() {
    Path dataDir = Path.of(config.get(NodeOptions.DATA_DIR));
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new ConfigException(NodeOptions.DATA_DIR.path(), "cannot create " + dataDir + ": " + e.getMessage());
    }
    this.sealer = new SecretSealer(masterKey(dataDir));
    this.token = adminToken(dataDir);
    this.readToken = adminReadToken();
    this.adminTls = adminTls();
    this.joinSecret = joinSecret(dataDir);
    int loops = config.get(NodeOptions.EVENT_LOOPS);
    InProcess.setEnabled(config.get(NodeOptions.IN_PROCESS_HOPS));
    boolean preferNative = config.get(NodeOptions.NATIVE_TRANSPORT);
    VertxOptions vo = new VertxOptions().setPreferNativeTransport(preferNative)
        .setEventLoopPoolSize(loops > 0 ? loops : Runtime.getRuntime().availableProcessors())
        // The tiers count their own connections, requests and bytes (EdgeMetrics, SslMetrics, RouterMetrics): Vert.x's
        // per-socket and per-request meters would count the same again, on every read and write of the data path.
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(false)
            .addDisabledMetricsCategory(MetricsDomain.NET_SERVER).addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
            .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
            .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
            .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET));
    VertxBuilder builder = Vertx.builder().with(vo).withMetrics(new MicrometerMetricsFactory(metrics.registry()));
    SharedEventLoops shared = SharedEventLoops.nativeTransport(preferNative);
    if (shared != null) {
      builder.withTransport(shared);
    }
    this.vertx = builder.build();
  }

  private MasterKey masterKey(Path dataDir) {
    String inline = config.get(NodeOptions.MASTER_KEY);
    if (!inline.isBlank()) {
      try {
        return MasterKey.fromBase64(inline);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(NodeOptions.MASTER_KEY.path(), e.getMessage());
      }
    }
    String file = config.get(NodeOptions.MASTER_KEY_FILE);
    Path p = file.isBlank() ? dataDir.resolve("master.key") : Path.of(file);
    try {
      if (!Files.exists(p)) {
        if (!file.isBlank()) {
          throw new ConfigException(NodeOptions.MASTER_KEY_FILE.path(), "file " + p + " does not exist");
        }
        MasterKey k = MasterKey.generate();
        if (k.writeTo(p)) {
          log.warn("no farm master key configured: generated {} ({}). Every node of a farm needs the same key:"
              + " copy this file or set cluster.master-key-file.", p, k);
          return k;
        }
        // a concurrent starter created it first: use that one
      }
      checkPermissions(NodeOptions.MASTER_KEY_FILE, p);
      return MasterKey.fromFile(p);
    } catch (IOException e) {
      throw new ConfigException(NodeOptions.MASTER_KEY_FILE.path(), "cannot read " + p + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(NodeOptions.MASTER_KEY_FILE.path(), p + ": " + e.getMessage());
    }
  }

  /**
   * cluster.join-secret, else cluster.join-secret-file, else (member mode) {@code <data-dir>/join.secret}, generated
   * like the master key when missing. Client mode without a configured secret and cluster.mode: none use none.
   */
  private JoinSecret joinSecret(Path dataDir) {
    String mode = config.get(NodeOptions.CLUSTER_MODE);
    String inline = config.get(NodeOptions.JOIN_SECRET);
    if (!inline.isBlank()) {
      try {
        return JoinSecret.of(inline);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(NodeOptions.JOIN_SECRET.path(), e.getMessage());
      }
    }
    String file = config.get(NodeOptions.JOIN_SECRET_FILE);
    if (file.isBlank() && !"member".equals(mode)) {
      return null; // an external cluster (client mode) keeps its own name; no cluster at all (none)
    }
    Path p = file.isBlank() ? dataDir.resolve("join.secret") : Path.of(file);
    try {
      if (!Files.exists(p)) {
        if (!file.isBlank()) {
          throw new ConfigException(NodeOptions.JOIN_SECRET_FILE.path(), "file " + p + " does not exist");
        }
        JoinSecret s = JoinSecret.generate();
        if (s.writeTo(p)) {
          log.warn("no farm join secret configured: generated {} ({}). Every member of a farm needs the same secret:"
              + " copy this file or set cluster.join-secret-file.", p, s);
          return s;
        }
        // a concurrent starter created it first: use that one
      }
      checkPermissions(NodeOptions.JOIN_SECRET_FILE, p);
      return JoinSecret.fromFile(p);
    } catch (IOException e) {
      throw new ConfigException(NodeOptions.JOIN_SECRET_FILE.path(), "cannot read " + p + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(NodeOptions.JOIN_SECRET_FILE.path(), p + ": " + e.getMessage());
    }
  }

  private String adminToken(Path dataDir) {
    String inline = config.get(NodeOptions.ADMIN_TOKEN);
    if (!inline.isBlank()) {
      if (inline.length() < 16) {
        throw new ConfigException(NodeOptions.ADMIN_TOKEN.path(), "must be at least 16 characters");
      }
      return inline;
    }
    String file = config.get(NodeOptions.ADMIN_TOKEN_FILE);
    Path p = file.isBlank() ? dataDir.resolve("admin.token") : Path.of(file);
    try {
      if (!Files.exists(p)) {
        if (!file.isBlank()) {
          throw new ConfigException(NodeOptions.ADMIN_TOKEN_FILE.path(), "file " + p + " does not exist");
        }
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        String t = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        if (SecretFiles.createIfAbsent(p, t + "\n")) {
          log.info("generated admin token in {}", p);
          return t;
        }
        // a concurrent starter created it first: use that one
      }
      checkPermissions(NodeOptions.ADMIN_TOKEN_FILE, p);
      String t = Files.readString(p, StandardCharsets.UTF_8).trim();
      if (t.length() < 16) {
        throw new ConfigException(NodeOptions.ADMIN_TOKEN_FILE.path(), p + ": token must be at least 16 characters");
      }
      return t;
    } catch (IOException e) {
      throw new ConfigException(NodeOptions.ADMIN_TOKEN_FILE.path(), "cannot use " + p + ": " + e.getMessage());
    }
  }

  /** admin.read-token, else admin.read-token-file, else none. */
  private String adminReadToken() {
    String t = config.get(NodeOptions.ADMIN_READ_TOKEN);
    io.sslfarm.config.ConfigKey<String> key = NodeOptions.ADMIN_READ_TOKEN;
    if (t.isBlank()) {
      String file = config.get(NodeOptions.ADMIN_READ_TOKEN_FILE);
      if (file.isBlank()) {
        return null;
      }
      key = NodeOptions.ADMIN_READ_TOKEN_FILE;
      Path p = Path.of(file);
      try {
        checkPermissions(key, p);
        t = Files.readString(p, StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new ConfigException(key.path(), "cannot use " + p + ": " + e.getMessage());
      }
    }
    if (t.length() < 16) {
      throw new ConfigException(key.path(), "must be at least 16 characters");
    }
    if (t.equals(token)) {
      throw new ConfigException(key.path(), "must differ from the full-access token (admin.token)");
    }
    return t;
  }

  /**
   * admin.tls: the configured PEM files, else a certificate from the dev CA (auto: only if it exists; on: created if
   * missing), else plain HTTP (auto, with a warning) or a config error (on).
   */
  private AdminTlsCertificate adminTls() {
    String mode = config.get(NodeOptions.ADMIN_TLS);
    if ("off".equals(mode)) {
      return null;
    }
    String certFile = config.get(NodeOptions.ADMIN_TLS_CERT_FILE);
    String keyFile = config.get(NodeOptions.ADMIN_TLS_KEY_FILE);
    if (certFile.isBlank() != keyFile.isBlank()) {
      throw new ConfigException((certFile.isBlank() ? NodeOptions.ADMIN_TLS_CERT_FILE : NodeOptions.ADMIN_TLS_KEY_FILE)
          .path(), "admin.tls-cert-file and admin.tls-key-file go together");
    }
    if (!certFile.isBlank()) {
      String chain = readPem(NodeOptions.ADMIN_TLS_CERT_FILE, Path.of(certFile));
      String key = readPem(NodeOptions.ADMIN_TLS_KEY_FILE, Path.of(keyFile));
      return new AdminTlsCertificate(chain, key, certFile);
    }
    java.util.Optional<AdminTlsCertificate> issued;
    try {
      issued = adminIssuer.issue(adminNames(), "on".equals(mode));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(NodeOptions.ADMIN_TLS.path(), "cannot issue the admin certificate from the dev CA: "
          + e.getMessage());
    }
    if (issued.isPresent()) {
      return issued.get();
    }
    if ("on".equals(mode)) {
      throw new ConfigException(NodeOptions.ADMIN_TLS.path(), "on, but no admin.tls-cert-file/admin.tls-key-file and"
          + " no dev CA to issue one");
    }
    log.warn("admin API on {}:{} is plain HTTP (admin.tls: auto, no admin.tls-cert-file and no dev CA): the bearer"
        + " token crosses the network in clear; set admin.tls-cert-file/-key-file or admin.tls: off to say so",
        config.get(NodeOptions.ADMIN_HOST), config.get(NodeOptions.ADMIN_PORT));
    return null;
  }

  /** The names of a dev-CA admin certificate: what clients dial (admin host, advertised host) and loopback. */
  private java.util.List<String> adminNames() {
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    String host = config.get(NodeOptions.ADMIN_HOST);
    names.add(advertiseHost(host));
    if (!"0.0.0.0".equals(host) && !"::".equals(host)) {
      names.add(host);
    } else {
      try {
        names.add(InetAddress.getLocalHost().getHostName());
      } catch (IOException e) {
        // no resolvable host name: the IP names remain
      }
    }
    names.add("localhost");
    names.add("127.0.0.1");
    return java.util.List.copyOf(names);
  }

  private static String readPem(io.sslfarm.config.ConfigKey<String> key, Path p) {
    try {
      return Files.readString(p, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException(key.path(), "cannot read " + p + ": " + e.getMessage());
    }
  }

  /** node.secrets-permissions: a secret file that group or others may access is logged and counted, or refused. */
  private void checkPermissions(io.sslfarm.config.ConfigKey<String> fileKey, Path p) throws IOException {
    String perms = SecretFiles.loosePermissions(p);
    if (perms == null) {
      return;
    }
    metrics.insecureSecretFile();
    if ("refuse".equals(config.get(NodeOptions.SECRETS_PERMISSIONS))) {
      throw new ConfigException(NodeOptions.SECRETS_PERMISSIONS.path(), p + " (" + fileKey.path() + ") is " + perms
          + ": group or others may access it; chmod 600 it (owned by the node's user)");
    }
    log.warn("secret file {} ({}) is {}: group or others may access it; chmod 600 it (owned by the node's user),"
        + " or set {}: refuse to not start like this", p, fileKey.path(), perms, NodeOptions.SECRETS_PERMISSIONS.path());
  }

  private ClusterOptions clusterOptions() {
    String pub = config.get(NodeOptions.CLUSTER_PUBLIC_ADDRESS);
    try {
      return new ClusterOptions(config.get(NodeOptions.CLUSTER_NAME),
          "client".equals(config.get(NodeOptions.CLUSTER_MODE)) ? ClusterOptions.Mode.CLIENT : ClusterOptions.Mode.MEMBER,
          config.get(NodeOptions.CLUSTER_HOST), config.get(NodeOptions.CLUSTER_PORT), pub.isBlank() ? null : pub,
          config.get(NodeOptions.CLUSTER_SEEDS), config.get(NodeOptions.CLUSTER_HEARTBEAT),
          config.get(NodeOptions.CLUSTER_MAX_NO_HEARTBEAT), joinSecret, config.get(NodeOptions.CLUSTER_ACCEPT_CLIENTS));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(NodeOptions.CLUSTER_MAX_NO_HEARTBEAT.path(), e.getMessage());
    }
  }

  private DurableStateOptions stateOptions() {
    if (!config.get(NodeOptions.STATE_ENABLED)) {
      return DurableStateOptions.DISABLED;
    }
    String dir = config.get(NodeOptions.STATE_DIR);
    Path p;
    if (!dir.isBlank()) {
      p = Path.of(dir);
    } else {
      // one directory per node: the members of `sslfarm up` share a data dir but each keeps its own copy
      String id = config.explicit(NodeOptions.ID).orElse("");
      Path state = Path.of(config.get(NodeOptions.DATA_DIR)).resolve("state");
      p = id.isBlank() ? state : state.resolve(id);
    }
    return new DurableStateOptions(true, p, "skip".equals(config.get(NodeOptions.STATE_ON_CORRUPT))
        ? DurableStateOptions.OnCorrupt.SKIP : DurableStateOptions.OnCorrupt.REFUSE);
  }

  private Future<Void> startAdminAndTier() {
    admin = new AdminServer(vertx, token, readToken, metrics);
    admin.readiness("cluster", () -> cluster == null || cluster.isRunning());
    admin.readiness("serving", () -> serving);
    admin.readiness("not-draining", () -> !draining);
    registerCoreApi(admin);
    String adminHost = config.get(NodeOptions.ADMIN_HOST);
    return admin.listen(adminHost, config.get(NodeOptions.ADMIN_PORT), adminTls).compose(adminPort -> {
      adminAddress = new HostPort(advertiseHost(adminHost), adminPort);
      String explicitId = config.explicit(NodeOptions.ID).orElse("");
      nodeId = explicitId.isBlank() ? null : explicitId;
      return tier.start(context());
    }).compose(bound -> {
      dataAddress = new HostPort(advertiseHost(bound.host()), bound.port());
      if (nodeId == null) {
        nodeId = role.id() + "-" + dataAddress.host() + "-" + dataAddress.port();
      }
      metrics.bindNode(nodeId, role.id(), () -> cluster, tier::activeConnections, () -> draining);
      return register();
    }).map(v -> {
      serving = true;
      loadTimer = vertx.setPeriodic(2000, t -> publishLoad());
      log.info("{} node {} serving on {} (admin {}://{}/ , cluster {})", role.id(), nodeId, dataAddress,
          adminTls == null ? "http" : "https", adminAddress, cluster == null ? "none" : cluster.memberId());
      return null;
    });
  }

  private String advertiseHost(String bindHost) {
    String adv = config.get(NodeOptions.ADVERTISE_HOST);
    if (!adv.isBlank()) {
      return adv;
    }
    if ("0.0.0.0".equals(bindHost) || "::".equals(bindHost)) {
      // Listening on every interface: advertise an address other hosts can dial (a container's hostname is not
      // resolvable by its peers, its IP is).
      return firstNonLoopbackIpv4().orElse("127.0.0.1");
    }
    return bindHost;
  }

  static java.util.Optional<String> firstNonLoopbackIpv4() {
    try {
      for (java.net.NetworkInterface ni : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp() || ni.isLoopback()) {
          continue;
        }
        for (InetAddress a : java.util.Collections.list(ni.getInetAddresses())) {
          if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return java.util.Optional.of(a.getHostAddress());
          }
        }
      }
    } catch (java.net.SocketException e) {
      log.debug("cannot list network interfaces: {}", e.toString());
    }
    return java.util.Optional.empty();
  }

  private Future<Void> register() {
    if (cluster == null) {
      return Future.succeededFuture();
    }
    NodeInfo me = new NodeInfo(nodeId, role, dataAddress.toString(), adminAddress.toString(), NodeInfo.DEFAULT_WEIGHT,
        NodeState.ACTIVE, VERSION, cluster.memberId(), System.currentTimeMillis());
    registryListener = cluster.nodes().addListener(new NodeDirectoryListener() {
      @Override
      public void nodeRemoved(NodeInfo previous) {
        if (previous.id().equals(nodeId) && serving && !stopping) {
          log.warn("node {}: own registry entry vanished; registering again", nodeId);
          // with the current member id: after a split heals, the member id has changed, and an entry naming the old
          // one would be swept again as "departed"
          cluster.nodes().register(new NodeInfo(previous.id(), previous.role(), previous.dataAddress(),
              previous.adminAddress(), previous.weight(), previous.state(), previous.version(), cluster.memberId(),
              previous.startedAtMillis()));
        }
      }
    });
    return Future.fromCompletionStage(cluster.nodes().register(me), vertx.getOrCreateContext());
  }

  private void publishLoad() {
    if (cluster != null && cluster.isRunning()) {
      cluster.nodes().publishLoad(nodeId, tier.activeConnections());
    }
  }

  private TierContext context() {
    FarmNode self = this;
    return new TierContext() {
      @Override
      public String nodeId() {
        return self.nodeId != null ? self.nodeId : role.id();
      }

      @Override
      public NodeRole role() {
        return role;
      }

      @Override
      public Vertx vertx() {
        return vertx;
      }

      @Override
      public NodeConfig config() {
        return config;
      }

      @Override
      public FarmCluster cluster() {
        return cluster;
      }

      @Override
      public MeterRegistry meterRegistry() {
        return metrics.registry();
      }

      @Override
      public AdminRoutes admin() {
        return admin;
      }

      @Override
      public SecretSealer sealer() {
        return sealer;
      }

      @Override
      public Path dataDir() {
        return Path.of(config.get(NodeOptions.DATA_DIR));
      }
    };
  }

  private void registerCoreApi(AdminServer a) {
    a.route(HttpMethod.GET, "/api/status", req -> Future.succeededFuture(AdminResponse.ok(statusJson())));
    a.route(HttpMethod.GET, "/api/nodes", req -> blocking(() -> {
      JsonArray arr = new JsonArray();
      for (NodeInfo n : requireCluster().nodes().nodes()) {
        arr.add(n.toJson().put("connections", requireCluster().nodes().load(n.id())));
      }
      return AdminResponse.json(200, arr);
    }));
    a.route(HttpMethod.GET, "/api/nodes/:id", req -> blocking(() -> {
      NodeInfo n = requireCluster().nodes().node(req.param("id"))
          .orElseThrow(() -> new AdminException(404, "no node '" + req.param("id") + "'"));
      return AdminResponse.ok(n.toJson().put("connections", requireCluster().nodes().load(n.id())));
    }));
    a.route(HttpMethod.PUT, "/api/nodes/:id/weight", req -> {
      Object w = req.json().getValue("weight");
      if (!(w instanceof Number num) || num.doubleValue() != Math.rint(num.doubleValue())
          || num.intValue() < 0 || num.intValue() > 100) {
        throw new AdminException(400, "weight: an integer 0–100 is required");
      }
      return fromStage(requireCluster().nodes().setWeight(req.param("id"), num.intValue()))
          .map(n -> AdminResponse.ok(n.toJson()));
    });
    a.route(HttpMethod.POST, "/api/nodes/:id/drain", req ->
        fromStage(requireCluster().nodes().setState(req.param("id"), NodeState.DRAINING))
            .map(n -> AdminResponse.ok(n.toJson())));
    a.route(HttpMethod.POST, "/api/nodes/:id/activate", req ->
        fromStage(requireCluster().nodes().setState(req.param("id"), NodeState.ACTIVE))
            .map(n -> AdminResponse.ok(n.toJson())));
    a.route(HttpMethod.GET, "/api/config", req ->
        Future.succeededFuture(AdminResponse.ok(requireCluster().config().current().toJson())));
    a.route(HttpMethod.PUT, "/api/config", req -> {
      FarmConfig fc;
      try {
        fc = FarmConfig.fromJson(req.json());
        FarmConfigValidators.validate(fc);
      } catch (IllegalArgumentException | ConfigException e) {
        throw new AdminException(400, e.getMessage());
      }
      return fromStage(requireCluster().config().apply(fc))
          .map(v -> AdminResponse.ok(new JsonObject().put("applied", new JsonArray(fc.sections().keySet().stream()
              .toList()))));
    });
  }

  private FarmCluster requireCluster() {
    if (cluster == null) {
      throw new AdminException(409, "this node runs without a cluster");
    }
    return cluster;
  }

  private <T> Future<T> fromStage(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
  }

  private Future<AdminResponse> blocking(java.util.concurrent.Callable<AdminResponse> c) {
    return vertx.executeBlocking(c, false);
  }

  /** This node's own status (no cluster calls). */
  public JsonObject statusJson() {
    return new JsonObject().put("id", nodeId).put("role", role.id()).put("version", VERSION)
        .put("dataAddress", dataAddress == null ? null : dataAddress.toString())
        .put("adminAddress", adminAddress == null ? null : adminAddress.toString())
        .put("connections", tier.activeConnections()).put("draining", draining).put("serving", serving)
        .put("clusterMembers", cluster == null ? 0 : cluster.memberCount())
        .put("leader", cluster != null && cluster.leadership().isLeader())
        .put("notReady", new JsonArray(admin == null ? java.util.List.of() : admin.notReady()));
  }

  NodeMetrics metrics() {
    return metrics;
  }

  /**
   * Graceful stop: DRAINING, grace period, stop accepting, wait for open connections (bounded by
   * {@code node.drain-timeout}), close, deregister, leave the cluster. Idempotent.
   */
  public synchronized CompletionStage<Void> stop() {
    if (stopping) {
      return CompletableFuture.completedFuture(null);
    }
    stopping = true;
    draining = true;
    Duration timeout = config.get(NodeOptions.DRAIN_TIMEOUT);
    log.info("node {}: draining (timeout {} s)", nodeId, timeout.toSeconds());
    CompletableFuture<Void> done = new CompletableFuture<>();
    Promise<Void> marked = Promise.promise();
    if (cluster != null && nodeId != null) {
      cluster.nodes().markStopping(nodeId).whenComplete((n, e) -> marked.complete());
    } else {
      marked.complete();
    }
    marked.future()
        .compose(v -> delay(timeout.isZero() ? Duration.ZERO : DRAIN_GRACE))
        .compose(v -> tier.stopAccepting())
        .compose(v -> {
          log.info("node {}: listener closed, waiting for {} open connections", nodeId, tier.activeConnections());
          return awaitIdle(System.nanoTime() + timeout.toNanos());
        })
        .eventually(() -> tier.close())
        .onComplete(ar -> {
          log.info("node {}: tier closed, leaving the cluster", nodeId);
          shutdownQuietly().whenComplete((x, e) -> done.complete(null));
        });
    return done;
  }

  private Future<Void> delay(Duration d) {
    if (d.isZero()) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    vertx.setTimer(d.toMillis(), t -> p.complete());
    return p.future();
  }

  private Future<Void> awaitIdle(long deadline) {
    Promise<Void> p = Promise.promise();
    pollIdle(deadline, p);
    return p.future();
  }

  private void pollIdle(long deadline, Promise<Void> p) {
    long open = tier.activeConnections();
    if (open == 0) {
      p.complete();
    } else if (System.nanoTime() >= deadline) {
      log.warn("node {}: drain timeout with {} connections still open; closing them", nodeId, open);
      p.complete();
    } else {
      vertx.setTimer(100, t -> pollIdle(deadline, p));
    }
  }

  private CompletionStage<Void> shutdownQuietly() {
    serving = false;
    if (loadTimer >= 0) {
      vertx.cancelTimer(loadTimer);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletionStage<Void> deregistered = CompletableFuture.completedFuture(null);
    if (registryListener != null) {
      try {
        registryListener.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
    if (cluster != null && nodeId != null) {
      deregistered = cluster.nodes().deregister(nodeId).exceptionally(e -> null);
    }
    deregistered.toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null)
        .thenCompose(v -> cluster == null ? CompletableFuture.completedFuture(null) : cluster.shutdown())
        .whenComplete((v, e) -> {
          log.info("node {}: left the cluster", nodeId);
          Future<Void> adminClosed = admin == null ? Future.succeededFuture() : admin.close();
          adminClosed.onComplete(a -> {
            // Vert.x 5 closes servers gracefully (30 s) when clients keep connections open; we already drained, so
            // bound the wait: the event loops are daemon threads either way.
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(3, TimeUnit.SECONDS)
                .whenComplete((x, y) -> {
                  log.info("node {} stopped", nodeId);
                  done.complete(null);
                });
          });
        });
    return done;
  }

  public NodeRole role() {
    return role;
  }

  public String nodeId() {
    return nodeId;
  }

  public HostPort dataAddress() {
    return dataAddress;
  }

  public HostPort adminAddress() {
    return adminAddress;
  }

  public String adminToken() {
    return token;
  }

  public FarmCluster cluster() {
    return cluster;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Tier tier() {
    return tier;
  }

  public boolean isServing() {
    return serving;
  }
}
