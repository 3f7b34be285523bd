package io.sslfarm.edge.upstream;

import io.sslfarm.edge.EdgeMetrics;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One SSL node as this edge sees it: the stable identity that outlives selector snapshots, with the count of
 * connections this edge relays to it and its local health. Registry fields (address, weight, state) are replaced
 * by {@link UpstreamPool} on the update thread; readers on event loops see them through volatile reads.
 */
public final class Upstream {

  /** Local health from the active check. Only {@code UP} nodes are candidates for new connections. */
  public enum Health { UNKNOWN, UP, DOWN }

  private final String id;
  private final AtomicInteger active = new AtomicInteger();
  private volatile InetSocketAddress address;
  private volatile int weight;
  private volatile boolean acceptsNew;
  private volatile Health health = Health.UNKNOWN;
  private volatile EdgeMetrics.NodeMeters meters;

  public Upstream(String id, InetSocketAddress address, int weight) {
    this.id = id;
    this.address = address;
    this.weight = weight;
    this.acceptsNew = weight > 0;
  }

  public String id() {
    return id;
  }

  public InetSocketAddress address() {
    return address;
  }

  void address(InetSocketAddress a) {
    this.address = a;
  }

  /** Registry weight 0–100. */
  public int weight() {
    return weight;
  }

  void weight(int w) {
    this.weight = w;
  }

  /** ACTIVE with weight above 0 in the registry. */
  public boolean acceptsNew() {
    return acceptsNew;
  }

  void acceptsNew(boolean v) {
    this.acceptsNew = v;
  }

  public Health health() {
    return health;
  }

  void health(Health h) {
    this.health = h;
  }

  /** Connections this edge currently relays to the node. */
  public int active() {
    return active.get();
  }

  public void connectionOpened() {
    active.incrementAndGet();
  }

  public void connectionClosed() {
    active.decrementAndGet();
  }

  /** The node's meters, or null in unit tests that build upstreams by hand. */
  public EdgeMetrics.NodeMeters meters() {
    return meters;
  }

  void meters(EdgeMetrics.NodeMeters m) {
    this.meters = m;
  }

  @Override
  public String toString() {
    return id + "@" + address;
  }
}
