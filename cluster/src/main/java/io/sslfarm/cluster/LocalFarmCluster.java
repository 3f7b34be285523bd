package io.sslfarm.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A single-process {@link FarmCluster} without Hazelcast: the same contracts (local snapshots, asynchronous writes,
 * listeners on a cluster thread, one call at a time), for component tests and for tiers run alone. Several tiers in
 * one JVM share state by sharing one instance. Session-table TTLs are not enforced.
 */
public final class LocalFarmCluster implements FarmCluster {

  private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "sslfarm-local-cluster");
    t.setDaemon(true);
    return t;
  });
  private final String memberId = "local-" + java.util.UUID.randomUUID();
  private final Nodes nodes = new Nodes();
  private final Config config = new Config();
  private final Certs certs = new Certs();
  private final Tickets tickets = new Tickets();
  private final java.util.concurrent.atomic.LongAdder rejectedValues = new java.util.concurrent.atomic.LongAdder();
  private final Map<String, Sessions> sessions = new ConcurrentHashMap<>();
  private volatile boolean running = true;
  private volatile boolean leader = true;
  private final CopyOnWriteArrayList<Consumer<Boolean>> leaderListeners = new CopyOnWriteArrayList<>();

  private <T> CompletableFuture<T> async(java.util.function.Supplier<T> s) {
    return CompletableFuture.supplyAsync(s, events);
  }

  @Override
  public String memberId() {
    return memberId;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int memberCount() {
    return 1;
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
    return certs;
  }

  @Override
  public TicketKeyHolder ticketKeys() {
    return tickets;
  }

  @Override
  public Leadership leadership() {
    return new Leadership() {
      @Override
      public boolean isLeader() {
        return leader;
      }

      @Override
      public AutoCloseable addListener(Consumer<Boolean> listener) {
        leaderListeners.add(listener);
        return () -> leaderListeners.remove(listener);
      }
    };
  }

  /** Test hook: make this "member" gain or lose leadership. */
  public void setLeader(boolean now) {
    leader = now;
    events.execute(() -> leaderListeners.forEach(l -> l.accept(now)));
  }

  @Override
  public SessionTable sessionTable(String name, Duration idleTtl) {
    return sessions.computeIfAbsent(name, n -> new Sessions(n, idleTtl));
  }

  @Override
  public CompletionStage<Void> shutdown() {
    running = false;
    events.shutdown();
    return CompletableFuture.completedFuture(null);
  }

  /** Values refused by readers (see {@link CertificateTable#refused}, {@link TicketKeyHolder#refused}). */
  @Override
  public long rejectedValues() {
    return rejectedValues.sum();
  }

  private final class Nodes implements NodeDirectory {
    private final ConcurrentHashMap<String, NodeInfo> map = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> load = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<NodeDirectoryListener> listeners = new CopyOnWriteArrayList<>();

    @Override
    public List<NodeInfo> nodes() {
      return map.values().stream().sorted(Comparator.comparing(NodeInfo::role).thenComparing(NodeInfo::id)).toList();
    }

    @Override
    public Optional<NodeInfo> node(String id) {
      return Optional.ofNullable(map.get(id));
    }

    private void put(NodeInfo n) {
      NodeInfo prev = map.put(n.id(), n);
      listeners.forEach(l -> l.nodeUpdated(prev, n));
    }

    @Override
    public CompletionStage<Void> register(NodeInfo node) {
      return async(() -> {
        put(node);
        return null;
      });
    }

    @Override
    public CompletionStage<Void> deregister(String nodeId) {
      return async(() -> {
        NodeInfo prev = map.remove(nodeId);
        if (prev != null) {
          listeners.forEach(l -> l.nodeRemoved(prev));
        }
        return null;
      });
    }

    private CompletionStage<NodeInfo> update(String id, UnaryOperator<NodeInfo> f) {
      return async(() -> {
        NodeInfo n = map.get(id);
        if (n == null) {
          throw new NoSuchElementException("no node '" + id + "' in the registry");
        }
        NodeInfo next = f.apply(n);
        put(next);
        return next;
      });
    }

    @Override
    public CompletionStage<NodeInfo> setWeight(String nodeId, int weight) {
      NodeInfo.checkWeight(weight);
      return update(nodeId, n -> n.withWeight(weight));
    }

    @Override
    public CompletionStage<NodeInfo> setState(String nodeId, NodeState state) {
      return update(nodeId, n -> n.withState(state));
    }

    @Override
    public void publishLoad(String nodeId, long activeConnections) {
      load.put(nodeId, activeConnections);
    }

    @Override
    public long load(String nodeId) {
      return load.getOrDefault(nodeId, -1L);
    }

    @Override
    public AutoCloseable addListener(NodeDirectoryListener listener) {
      listeners.add(listener);
      return () -> listeners.remove(listener);
    }
  }

  private final class Config implements FarmConfigFeed {
    private volatile FarmConfig current = FarmConfig.EMPTY;
    private final CopyOnWriteArrayList<Consumer<FarmConfig>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public FarmConfig current() {
      return current;
    }

    private void set(FarmConfig next) {
      current = next;
      listeners.forEach(l -> l.accept(next));
    }

    @Override
    public CompletionStage<Void> apply(FarmConfig config) {
      return async(() -> {
        Map<String, io.vertx.core.json.JsonObject> m = new HashMap<>(current.sections());
        m.putAll(config.sections());
        set(new FarmConfig(m));
        return null;
      });
    }

    @Override
    public CompletionStage<Void> removeSection(String name) {
      return async(() -> {
        Map<String, io.vertx.core.json.JsonObject> m = new HashMap<>(current.sections());
        m.remove(name);
        set(new FarmConfig(m));
        return null;
      });
    }

    @Override
    public AutoCloseable addListener(Consumer<FarmConfig> listener) {
      listeners.add(listener);
      events.execute(() -> listener.accept(current));
      return () -> listeners.remove(listener);
    }
  }

  private final class Certs implements CertificateTable {
    private final ConcurrentHashMap<String, CertificateRecord> map = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<CertificateTableListener> listeners = new CopyOnWriteArrayList<>();

    @Override
    public Map<String, CertificateRecord> snapshot() {
      return Map.copyOf(map);
    }

    @Override
    public CompletionStage<CertificateRecord> put(String id, RecordBuilder builder) {
      return async(() -> {
        CertificateRecord old = map.get(id);
        CertificateRecord next = builder.build(CertificateRecord.nextVersion(old, System.currentTimeMillis()),
            old != null);
        map.put(id, next);
        listeners.forEach(l -> l.certificateChanged(next.id(), next));
        return next;
      });
    }

    @Override
    public void refused(String id, String reason) {
      rejectedValues.increment();
    }

    @Override
    public CompletionStage<Boolean> remove(String id) {
      return async(() -> {
        boolean had = map.remove(id) != null;
        if (had) {
          listeners.forEach(l -> l.certificateChanged(id, null));
        }
        return had;
      });
    }

    @Override
    public AutoCloseable addListener(CertificateTableListener listener) {
      listeners.add(listener);
      events.execute(() -> new ArrayList<>(map.values()).forEach(r -> listener.certificateChanged(r.id(), r)));
      return () -> listeners.remove(listener);
    }
  }

  private final class Tickets implements TicketKeyHolder {
    private final AtomicReference<SealedTicketKeys> ref = new AtomicReference<>();
    private final CopyOnWriteArrayList<Consumer<SealedTicketKeys>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public Optional<SealedTicketKeys> current() {
      return Optional.ofNullable(ref.get());
    }

    @Override
    public CompletionStage<Boolean> compareAndSet(long expectedGeneration, SealedTicketKeys next) {
      return async(() -> {
        SealedTicketKeys cur = ref.get();
        long gen = cur == null ? 0 : cur.generation();
        if (gen != expectedGeneration) {
          return false;
        }
        ref.set(next);
        listeners.forEach(l -> l.accept(next));
        return true;
      });
    }

    @Override
    public void refused(SealedTicketKeys value, String reason) {
      rejectedValues.increment();
    }

    @Override
    public AutoCloseable addListener(Consumer<SealedTicketKeys> listener) {
      listeners.add(listener);
      events.execute(() -> current().ifPresent(listener));
      return () -> listeners.remove(listener);
    }
  }

  private final class Sessions implements SessionTable {
    private final String name;
    private final Duration ttl;
    private final ConcurrentHashMap<String, String> map = new ConcurrentHashMap<>();

    Sessions(String name, Duration ttl) {
      this.name = name;
      this.ttl = ttl;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public CompletionStage<Optional<String>> lookup(String sessionId) {
      return async(() -> Optional.ofNullable(map.get(sessionId)));
    }

    @Override
    public CompletionStage<Void> record(String sessionId, String upstreamId) {
      return async(() -> {
        map.put(sessionId, upstreamId);
        return null;
      });
    }

    @Override
    public CompletionStage<Void> remove(String sessionId) {
      return async(() -> {
        map.remove(sessionId);
        return null;
      });
    }

    @Override
    public Duration idleTtl() {
      return ttl;
    }
  }
}
