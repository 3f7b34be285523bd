package io.sslfarm.cluster.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.sslfarm.cluster.NodeDirectory;
import io.sslfarm.cluster.NodeDirectoryListener;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeState;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node registry on {@code IMap<String, String>} (node id → NodeInfo JSON).
 *
 * <p>Entries of a member disappear when it leaves: every member removes the leaver's entries on the membership event
 * (idempotent), and the leader sweeps entries whose member is gone every few seconds (covers events missed during a
 * split). Client-mode nodes have no member to watch: their entries carry a TTL renewed by a heartbeat. Weight and state
 * changes are compare-and-set loops on the JSON value, so an admin write on one node never loses a concurrent write.
 *
 * <p>Weights and states set by an operator ({@link #setWeight}, {@link #setState}) are also kept in
 * {@link #NODE_SETTINGS} (node id → {@code {"weight":…,"state":…}}), which outlives the registry entry (and, with the
 * durable store, a restart of the whole farm): a node registering again gets them back. The drain of a node that is
 * stopping ({@link #markStopping}) is not an operator setting and is not kept.
 */
final class HazelcastNodeDirectory implements NodeDirectory {

  private static final Logger log = LoggerFactory.getLogger(HazelcastNodeDirectory.class);
  private static final long CLIENT_ENTRY_TTL_SECONDS = 15;
  private static final long LOAD_TTL_SECONDS = 15;
  /** Operator-set weight and state per node id (durable). */
  static final String NODE_SETTINGS = "sslfarm.node-settings";

  private final HazelcastInstance hz;
  private final IMap<String, String> map;
  private final IMap<String, Long> load;
  private final IMap<String, String> settings;
  private final ExecutorService io;
  private final boolean client;
  private final HazelcastLeadership leadership;
  private final MapMirror<NodeInfo> mirror;
  private final Set<String> ownEntries = ConcurrentHashMap.newKeySet();
  private final ScheduledFuture<?> maintenance;

  HazelcastNodeDirectory(HazelcastInstance hz, ExecutorService io, ScheduledExecutorService scheduler, boolean client,
                         HazelcastLeadership leadership, RejectedValues rejected) {
    this.hz = hz;
    this.map = hz.getMap(HazelcastFarmCluster.NODES);
    this.load = hz.getMap(HazelcastFarmCluster.NODE_LOAD);
    this.settings = hz.getMap(NODE_SETTINGS);
    this.io = io;
    this.client = client;
    this.leadership = leadership;
    this.mirror = new MapMirror<>(map, json -> NodeInfo.fromJson(new JsonObject(json)), rejected);
    this.maintenance = scheduler.scheduleWithFixedDelay(this::maintain, 3, 3, TimeUnit.SECONDS);
  }

  @Override
  public List<NodeInfo> nodes() {
    return mirror.snapshot().values().stream().sorted(Comparator.comparing(NodeInfo::role)
        .thenComparing(NodeInfo::id)).toList();
  }

  @Override
  public Optional<NodeInfo> node(String id) {
    return Optional.ofNullable(mirror.get(id));
  }

  @Override
  public CompletionStage<Void> register(NodeInfo node) {
    return HazelcastFarmCluster.async(io, () -> {
      String json = withSettings(node).toJson().encode();
      if (client) {
        map.put(node.id(), json, CLIENT_ENTRY_TTL_SECONDS, TimeUnit.SECONDS);
      } else {
        map.put(node.id(), json);
      }
      ownEntries.add(node.id());
      return null;
    });
  }

  @Override
  public CompletionStage<Void> deregister(String nodeId) {
    return HazelcastFarmCluster.async(io, () -> {
      ownEntries.remove(nodeId);
      map.delete(nodeId);
      load.delete(nodeId);
      return null;
    });
  }

  @Override
  public CompletionStage<NodeInfo> setWeight(String nodeId, int weight) {
    NodeInfo.checkWeight(weight);
    return update(nodeId, n -> n.withWeight(weight), true);
  }

  @Override
  public CompletionStage<NodeInfo> setState(String nodeId, NodeState state) {
    return update(nodeId, n -> n.withState(state), true);
  }

  @Override
  public CompletionStage<NodeInfo> markStopping(String nodeId) {
    return update(nodeId, n -> n.withState(NodeState.DRAINING), false);
  }

  /** The node with the operator's kept weight and state, if any (a malformed setting is ignored and logged). */
  private NodeInfo withSettings(NodeInfo node) {
    String s = settings.get(node.id());
    if (s == null) {
      return node;
    }
    try {
      JsonObject j = new JsonObject(s);
      return node.withWeight(j.getInteger("weight", node.weight()))
          .withState(NodeState.valueOf(j.getString("state", node.state().name())));
    } catch (RuntimeException e) {
      log.warn("kept settings of node {} are malformed, ignored: {}", node.id(), e.toString());
      return node;
    }
  }

  private CompletionStage<NodeInfo> update(String nodeId, UnaryOperator<NodeInfo> change, boolean keep) {
    return HazelcastFarmCluster.async(io, () -> {
      NodeInfo next = change(nodeId, change);
      if (keep) {
        settings.set(nodeId, new JsonObject().put("weight", next.weight()).put("state", next.state().name()).encode());
      }
      return next;
    });
  }

  private NodeInfo change(String nodeId, UnaryOperator<NodeInfo> change) {
    for (int attempt = 0; attempt < 100; attempt++) {
      String old = map.get(nodeId);
      if (old == null) {
        throw new NoSuchElementException("no node '" + nodeId + "' in the registry");
      }
      NodeInfo next = change.apply(NodeInfo.fromJson(new JsonObject(old)));
      String json = next.toJson().encode();
      if (json.equals(old) || map.replace(nodeId, old, json)) {
        return next;
      }
    }
    throw new IllegalStateException("registry entry " + nodeId + " kept changing; update abandoned");
  }

  @Override
  public void publishLoad(String nodeId, long activeConnections) {
    HazelcastFarmCluster.async(io, () -> {
      load.set(nodeId, activeConnections, LOAD_TTL_SECONDS, TimeUnit.SECONDS);
      return null;
    }).exceptionally(e -> {
      log.debug("load publication failed: {}", e.toString());
      return null;
    });
  }

  @Override
  public long load(String nodeId) {
    Long v = load.get(nodeId);
    return v == null ? -1 : v;
  }

  @Override
  public AutoCloseable addListener(NodeDirectoryListener listener) {
    return mirror.addListener((key, previous, current) -> {
      if (current == null) {
        listener.nodeRemoved(previous);
      } else {
        listener.nodeUpdated(previous, current);
      }
    });
  }

  /** A member left: drop its entries now (every member does this; removing twice is harmless). */
  void memberLeft(String memberUuid) {
    List<String> gone = mirror.snapshot().values().stream().filter(n -> memberUuid.equals(n.memberId()))
        .map(NodeInfo::id).toList();
    if (!gone.isEmpty()) {
      HazelcastFarmCluster.async(io, () -> {
        gone.forEach(id -> {
          map.delete(id);
          load.delete(id);
        });
        log.info("removed registry entries of departed member: {}", gone);
        return null;
      });
    }
  }

  private void maintain() {
    try {
      mirror.resync();
      if (client) {
        for (String id : ownEntries) {
          if (!map.setTtl(id, CLIENT_ENTRY_TTL_SECONDS, TimeUnit.SECONDS)) {
            log.warn("registry entry {} vanished; it will be re-registered by its node", id);
          }
        }
      } else {
        for (String id : ownEntries) {
          if (!map.containsKey(id)) {
            log.warn("registry entry {} vanished (cluster split?); waiting for re-registration", id);
          }
        }
        if (leadership.isLeader()) {
          sweepDeparted();
        }
      }
    } catch (RuntimeException e) {
      log.debug("registry maintenance failed: {}", e.toString());
    }
  }

  private void sweepDeparted() {
    Set<String> members = hz.getCluster().getMembers().stream().map(Member::getUuid).map(Object::toString)
        .collect(Collectors.toSet());
    for (NodeInfo n : mirror.snapshot().values()) {
      String owner = n.memberId();
      if (owner != null && !owner.startsWith("client:") && !members.contains(owner)) {
        map.delete(n.id());
        load.delete(n.id());
        log.info("swept registry entry {} of departed member {}", n.id(), owner);
      }
    }
  }

  /** True if an own entry is missing (the node should re-register). */
  boolean missing(String id) {
    return mirror.get(id) == null;
  }

  void close() {
    maintenance.cancel(false);
    mirror.close();
  }

  static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  /** Reloads the local mirror after a cluster merge (blocking: cluster threads only). */
  void resyncAfterMerge() {
    mirror.resync();
  }
}
