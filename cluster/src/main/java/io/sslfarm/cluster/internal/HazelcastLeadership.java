package io.sslfarm.cluster.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.sslfarm.cluster.Leadership;
import java.util.Iterator;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Member mode: the leader is the oldest member (Hazelcast keeps the member list in join order), re-evaluated on every
 * membership event. Client mode (no member list of ours): a lease in an IMap entry with a TTL, renewed every third of it.
 */
final class HazelcastLeadership implements Leadership {

  private static final Logger log = LoggerFactory.getLogger(HazelcastLeadership.class);
  private static final long LEASE_SECONDS = 15;

  private final HazelcastInstance hz;
  private final boolean client;
  private final String self;
  private final CopyOnWriteArrayList<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean leader;
  private final ScheduledFuture<?> leaseTask;

  HazelcastLeadership(HazelcastInstance hz, boolean client, String self, ScheduledExecutorService scheduler) {
    this.hz = hz;
    this.client = client;
    this.self = self;
    this.leaseTask = client
        ? scheduler.scheduleWithFixedDelay(this::renewLease, 0, LEASE_SECONDS / 3, TimeUnit.SECONDS)
        : null;
  }

  @Override
  public boolean isLeader() {
    return leader;
  }

  @Override
  public AutoCloseable addListener(Consumer<Boolean> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  void reevaluate() {
    if (client) {
      return;
    }
    try {
      Iterator<Member> it = hz.getCluster().getMembers().iterator();
      set(it.hasNext() && it.next().localMember());
    } catch (RuntimeException e) {
      set(false);
    }
  }

  private void renewLease() {
    try {
      IMap<String, String> leases = hz.getMap(HazelcastFarmCluster.LEASES);
      String holder = leases.putIfAbsent("leader", self, LEASE_SECONDS, TimeUnit.SECONDS);
      if (holder == null || holder.equals(self)) {
        leases.put("leader", self, LEASE_SECONDS, TimeUnit.SECONDS);
        set(true);
      } else {
        set(false);
      }
    } catch (RuntimeException e) {
      log.debug("leader lease renewal failed: {}", e.toString());
      set(false);
    }
  }

  private synchronized void set(boolean now) {
    if (now != leader) {
      leader = now;
      log.info(now ? "this node is now the farm leader" : "this node is no longer the farm leader");
      for (Consumer<Boolean> l : listeners) {
        try {
          l.accept(now);
        } catch (RuntimeException e) {
          log.warn("leadership listener failed", e);
        }
      }
    }
  }

  void close() {
    if (leaseTask != null) {
      leaseTask.cancel(false);
    }
  }
}
