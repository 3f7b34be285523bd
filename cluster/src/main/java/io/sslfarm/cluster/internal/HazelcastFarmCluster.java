package io.sslfarm.cluster.internal;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.sslfarm.cluster.CertificateTable;
import io.sslfarm.cluster.ClusterOptions;
import io.sslfarm.cluster.DurableStateOptions;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmConfigFeed;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.Leadership;
import io.sslfarm.cluster.NodeDirectory;
import io.sslfarm.cluster.SessionTable;
import io.sslfarm.cluster.TicketKeyHolder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The farm's cluster on Hazelcast 5 open source. Values are JSON strings so that an external Hazelcast cluster (client
 * mode) needs none of our classes.
 *
 * <p>Threading: every blocking Hazelcast call runs on {@link #io}, a small pool of daemon threads; callers get
 * CompletionStages completing there. Snapshots are refreshed from entry listeners (Hazelcast event threads) and by a
 * periodic resync on {@link #scheduler}.
 */
public final class HazelcastFarmCluster implements FarmCluster {

  private static final Logger log = LoggerFactory.getLogger(HazelcastFarmCluster.class);

  static final String NODES = "sslfarm.nodes";
  static final String NODE_LOAD = "sslfarm.node-load";
  static final String CONFIG = "sslfarm.config";
  static final String CERTS = "sslfarm.certs";
  static final String TICKET_KEYS = "sslfarm.ticket-keys";
  static final String LEASES = "sslfarm.leases";
  static final String SESSIONS_PREFIX = "sslfarm.sessions.";
  /**
   * Entries of one learn-mode session table a member holds at most (as owner; backups count apart): keys are 22-byte
   * keyed hashes and values backend ids, so about 50 MB of heap. Beyond it the least recently used binding goes
   * (counted in {@code sslfarm.cluster.sessions.evicted}); its session re-binds on its backend's next Set-Cookie.
   */
  static final int SESSION_TABLE_MAX_PER_MEMBER = 250_000;

  private final HazelcastInstance hz;
  private final ClusterOptions options;
  private final ExecutorService io;
  private final ScheduledExecutorService scheduler;
  private final HazelcastNodeDirectory nodes;
  private final HazelcastConfigFeed config;
  private final HazelcastCertificateTable certificates;
  private final HazelcastTicketKeyHolder ticketKeys;
  private final HazelcastLeadership leadership;
  private final RejectedValues rejected = new RejectedValues();
  private final Map<String, HazelcastSessionTable> sessionTables = new ConcurrentHashMap<>();
  private volatile boolean running = true;
  private DurableState durable;

  private HazelcastFarmCluster(HazelcastInstance hz, ClusterOptions options) {
    this.hz = hz;
    this.options = options;
    this.io = Executors.newCachedThreadPool(daemon("sslfarm-cluster-io"));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("sslfarm-cluster-timer"));
    boolean client = options.mode() == ClusterOptions.Mode.CLIENT;
    this.leadership = new HazelcastLeadership(hz, client, memberId(), scheduler);
    this.nodes = new HazelcastNodeDirectory(hz, io, scheduler, client, leadership, rejected);
    this.config = new HazelcastConfigFeed(hz, io);
    this.certificates = new HazelcastCertificateTable(hz, io, rejected);
    this.ticketKeys = new HazelcastTicketKeyHolder(hz, io, rejected);
    if (!client) {
      hz.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent e) {
          log.info("cluster member joined: {} ({} members)", e.getMember().getAddress(), e.getMembers().size());
          leadership.reevaluate();
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
          log.info("cluster member left: {} ({} members)", e.getMember().getAddress(), e.getMembers().size());
          leadership.reevaluate();
          nodes.memberLeft(e.getMember().getUuid().toString());
        }
      });
    }
    // After a split heals, the smaller side's members restart their services with the bigger side's data and get new
    // member ids: reload every mirror and let nodes re-register (FarmNode does on its entry's removal).
    hz.getLifecycleService().addLifecycleListener(e -> {
      if (e.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED) {
        log.warn("cluster merged after a split: reloading registry, certificates, ticket keys and config");
        io.execute(() -> {
          try {
            nodes.resyncAfterMerge();
            certificates.resyncAfterMerge();
            ticketKeys.resyncAfterMerge();
            config.resyncAfterMerge();
            leadership.reevaluate();
          } catch (RuntimeException ex) {
            log.warn("resync after merge failed: {}", ex.toString());
          }
        });
      }
    });
    leadership.reevaluate();
  }

  static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Blocks while Hazelcast starts; call off event loops (see {@link io.sslfarm.cluster.FarmClusters}). */
  public static HazelcastFarmCluster start(ClusterOptions options) {
    return start(options, DurableStateOptions.DISABLED);
  }

  /** With the durable state in {@code state} (member mode; see {@link DurableState}). Blocking, like the above. */
  public static HazelcastFarmCluster start(ClusterOptions options, DurableStateOptions state) {
    boolean client = options.mode() == ClusterOptions.Mode.CLIENT;
    DurableState durable = DurableState.open(client ? DurableStateOptions.DISABLED : state);
    HazelcastInstance hz = client ? startClient(options) : startMember(options, durable);
    HazelcastFarmCluster c = new HazelcastFarmCluster(hz, options);
    c.durable = durable;
    if (durable.enabled()) {
      try {
        durable.attach(hz);
      } catch (RuntimeException e) {
        c.terminate();
        throw e;
      }
    }
    return c;
  }

  private static HazelcastInstance startMember(ClusterOptions o, DurableState durable) {
    Config cfg = new Config();
    // With a join secret the name is derived from it: Hazelcast's join check (ConfigCheck: cluster name first) refuses
    // a joiner with another name before it becomes a member, so it is sent no partition, map or event (JoinSecret).
    cfg.setClusterName(o.effectiveName());
    cfg.setInstanceName("sslfarm-" + java.util.UUID.randomUUID());
    cfg.getSerializationConfig().setJavaSerializationFilterConfig(DeserializationFilter.config());
    commonProperties(cfg.getProperties());
    // Hazelcast's own metrics (for Management Center, which the farm does not use) sample every probe, the OS MXBean
    // included, every 5 s on every member; the farm exports its own meters
    cfg.getMetricsConfig().setEnabled(false);
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(Math.max(1, o.heartbeat().toSeconds())));
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(Math.max(2, o.maxNoHeartbeat().toSeconds())));
    // Join in about a second instead of 10+: no initial wait, short join window (STACK-NOTES).
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.max.join.seconds", "20");
    cfg.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    cfg.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    cfg.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
    cfg.setProperty("hazelcast.partition.count", "71");
    if (o.host() != null && !o.host().isBlank() && !"0.0.0.0".equals(o.host())) {
      // localAddress alone only picks the address advertised to other members; the server socket would still be
      // bound to 0.0.0.0 (hazelcast.socket.bind.any defaults to true). Bind to exactly cluster.host.
      cfg.setProperty("hazelcast.local.localAddress", o.host());
      cfg.setProperty("hazelcast.socket.bind.any", "false");
    }
    JoinConfig join;
    if (o.acceptClients()) {
      // One port for members and clients (Hazelcast's unified protocol), as a plain NetworkConfig has.
      NetworkConfig net = cfg.getNetworkConfig();
      net.setPort(o.port()).setPortAutoIncrement(true).setPortCount(100);
      if (o.publicAddress() != null && !o.publicAddress().isBlank()) {
        net.setPublicAddress(o.publicAddress());
      }
      join = net.getJoin();
    } else {
      // Advanced networking (open source since Hazelcast 4) with a member endpoint and no client endpoint: the port
      // speaks only the member protocol (SingleProtocolDecoder), so a Hazelcast client's handshake is answered with a
      // protocol error and the connection closed before any client message is read.
      AdvancedNetworkConfig adv = cfg.getAdvancedNetworkConfig().setEnabled(true);
      ServerSocketEndpointConfig member = new ServerSocketEndpointConfig();
      member.setPort(o.port()).setPortAutoIncrement(true).setPortCount(100);
      if (o.publicAddress() != null && !o.publicAddress().isBlank()) {
        member.setPublicAddress(o.publicAddress());
      }
      adv.setMemberEndpointConfig(member);
      join = adv.getJoin();
    }
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2);
    for (HostPort seed : o.seeds()) {
      join.getTcpIpConfig().addMember(seed.toString());
    }
    cfg.addMapConfig(new MapConfig(NODES).setBackupCount(1).setAsyncBackupCount(0));
    cfg.addMapConfig(new MapConfig(CERTS).setBackupCount(1));
    cfg.addMapConfig(new MapConfig(TICKET_KEYS).setBackupCount(1));
    cfg.addMapConfig(new MapConfig(SESSIONS_PREFIX + "*").setBackupCount(1)
        .setNearCacheConfig(sessionNearCache())
        .setEvictionConfig(new com.hazelcast.config.EvictionConfig()
            .setEvictionPolicy(com.hazelcast.config.EvictionPolicy.LRU)
            .setMaxSizePolicy(com.hazelcast.config.MaxSizePolicy.PER_NODE).setSize(SESSION_TABLE_MAX_PER_MEMBER)));
    durable.configure(cfg);
    return Hazelcast.newHazelcastInstance(cfg);
  }

  private static NearCacheConfig sessionNearCache() {
    return new NearCacheConfig(SESSIONS_PREFIX + "*").setInMemoryFormat(InMemoryFormat.OBJECT)
        .setInvalidateOnChange(true).setCacheLocalEntries(true).setTimeToLiveSeconds(60);
  }

  private static HazelcastInstance startClient(ClusterOptions o) {
    ClientConfig cfg = new ClientConfig();
    cfg.setClusterName(o.effectiveName());
    cfg.getSerializationConfig().setJavaSerializationFilterConfig(DeserializationFilter.config());
    commonProperties(cfg.getProperties());
    for (HostPort seed : o.seeds()) {
      cfg.getNetworkConfig().addAddress(seed.toString());
    }
    cfg.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(30_000);
    cfg.addNearCacheConfig(sessionNearCache());
    return HazelcastClient.newHazelcastClient(cfg);
  }

  private static void commonProperties(java.util.Properties p) {
    p.setProperty("hazelcast.logging.type", "slf4j");
    p.setProperty("hazelcast.phone.home.enabled", "false");
    p.setProperty("hazelcast.shutdownhook.enabled", "false");
    // Hazelcast prefixes each log line with "[address] [cluster name] [version]": with a join secret the cluster name
    // is what a joiner presents, so it must not end up in logs (the farm's own lines name members by address).
    p.setProperty("hazelcast.logging.details.enabled", "false");
  }

  @Override
  public String memberId() {
    return options.mode() == ClusterOptions.Mode.CLIENT
        ? "client:" + hz.getLocalEndpoint().getUuid()
        : hz.getCluster().getLocalMember().getUuid().toString();
  }

  @Override
  public boolean isRunning() {
    return running && hz.getLifecycleService().isRunning();
  }

  @Override
  public int memberCount() {
    try {
      return hz.getCluster().getMembers().size();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** The members as {@code host:port}, oldest first (for status pages). */
  public java.util.List<String> members() {
    return hz.getCluster().getMembers().stream().map(Member::getAddress).map(Object::toString).toList();
  }

  @Override
  public long rejectedValues() {
    return rejected.count();
  }

  @Override
  public long sessionEvictions() {
    long n = 0;
    for (HazelcastSessionTable t : sessionTables.values()) {
      n += t.evictions();
    }
    return n;
  }

  @Override
  public long corruptStateFiles() {
    return durable == null ? 0 : durable.corruptFiles();
  }

  @Override
  public NodeDirectory nodes() {
    return nodes;
  }

  @Override
  public FarmConfigFeed config() {
    return config;
  }

  @Override
  public CertificateTable certificates() {
    return certificates;
  }

  @Override
  public TicketKeyHolder ticketKeys() {
    return ticketKeys;
  }

  @Override
  public Leadership leadership() {
    return leadership;
  }

  @Override
  public SessionTable sessionTable(String name, Duration idleTtl) {
    return sessionTables.computeIfAbsent(name, n -> new HazelcastSessionTable(hz, SESSIONS_PREFIX + n, idleTtl, io));
  }

  @Override
  public CompletionStage<Void> shutdown() {
    if (!running) {
      return CompletableFuture.completedFuture(null);
    }
    running = false;
    return CompletableFuture.runAsync(() -> {
      try {
        nodes.close();
        leadership.close();
        hz.shutdown();
      } finally {
        scheduler.shutdownNow();
        io.shutdown();
      }
    }, daemonThread());
  }

  private static java.util.concurrent.Executor daemonThread() {
    return r -> daemon("sslfarm-cluster-shutdown").newThread(r).start();
  }

  /**
   * The value of {@code key} in the cluster map {@code mapName} exactly as Hazelcast stores it (diagnostics, and tests
   * that prove no secret is stored in clear). Blocking: not for event loops.
   */
  public Object rawEntry(String mapName, String key) {
    return hz.getMap(mapName).get(key);
  }

  /** Kills this member without a graceful leave (tests of failure detection). */
  public void terminate() {
    running = false;
    hz.getLifecycleService().terminate();
    scheduler.shutdownNow();
    io.shutdownNow();
  }

  static <T> CompletableFuture<T> async(ExecutorService io, java.util.function.Supplier<T> call) {
    try {
      return CompletableFuture.supplyAsync(call, io);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("cluster is shut down"));
    }
  }

  static void sleepQuietly(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
