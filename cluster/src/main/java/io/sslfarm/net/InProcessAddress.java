package io.sslfarm.net;

import java.io.Serial;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The address of one end of an {@link InProcessChannel}: an {@link InetSocketAddress} (the listener's address for the
 * accepted end's local side and the connecting end's remote side, loopback port 0 for the connecting end) so that code
 * that expects sockets (Vert.x, metrics, logs) works unchanged, plus a marker the PROXY gates trust: such a peer can
 * only be made by this process's own tiers ({@link InProcess}).
 */
public final class InProcessAddress extends InetSocketAddress {

  @Serial
  private static final long serialVersionUID = 1L;
  private static final AtomicLong IDS = new AtomicLong();

  private final long id;

  private InProcessAddress(InetAddress address, int port, long id) {
    super(address, port);
    this.id = id;
  }

  /** A listener's end: its address as bound (or connected to). */
  static InProcessAddress of(InetSocketAddress listener) {
    return new InProcessAddress(listener.getAddress(), listener.getPort(), 0);
  }

  /** A connecting end: loopback, port 0, a number of its own for logs. */
  static InProcessAddress ephemeral() {
    return new InProcessAddress(InetAddress.getLoopbackAddress(), 0, IDS.incrementAndGet());
  }

  /** True for the address of a peer in this process. */
  public static boolean isInProcess(java.net.SocketAddress a) {
    return a instanceof InProcessAddress;
  }

  @Override
  public String toString() {
    return id == 0 ? "in-process:" + getAddress().getHostAddress() + ":" + getPort() : "in-process#" + id;
  }
}
