package io.sslfarm.router.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.sslfarm.router.RouterOptions;
import io.sslfarm.router.upstream.Upstream;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The keep-alive connections of one event loop to every backend (per-event-loop pools, as Envoy and HAProxy's
 * per-thread idle lists keep them): a request served on a loop uses a connection of that loop, so no exchange ever
 * crosses threads and no pool lock is taken. How many connections a backend gets in all is bounded by its
 * {@link io.sslfarm.router.upstream.UpstreamQueue} (shared by the loops), which admits an exchange before a link is
 * taken or opened.
 *
 * <p>Threading: one instance per event loop, used only on it.
 */
final class LinkPool {

  private final Bootstrap bootstrap;
  private final long responseTimeoutNanos;
  private final long idleTimeoutNanos;
  private final Map<Upstream, ArrayDeque<UpstreamLink>> idle = new IdentityHashMap<>();

  LinkPool(EventLoop loop, ChannelFactory<? extends Channel> channels,
      io.netty.resolver.AddressResolverGroup<InetSocketAddress> resolver, RouterOptions options) {
    this.responseTimeoutNanos = options.upstreamResponseTimeout().toNanos();
    this.idleTimeoutNanos = options.idleTimeout().toNanos();
    HttpDecoderConfig decoder = new HttpDecoderConfig()
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(Math.max(options.maxHeaderSize(), 16384))
        .setMaxChunkSize(65536);
    this.bootstrap = new Bootstrap().group(loop).channelFactory(channels).resolver(resolver)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
            options.upstreamConnectTimeout().toMillis()))
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            // the link handler is added by connect(), which knows which link this channel is
            ch.pipeline().addLast("codec", new HttpClientCodec(decoder, false, false));
          }
        });
  }

  /** An idle link to {@code u} at its current address, or null. */
  UpstreamLink poll(Upstream u) {
    ArrayDeque<UpstreamLink> q = idle.get(u);
    if (q == null) {
      return null;
    }
    io.vertx.core.net.SocketAddress now = u.socketAddress();
    UpstreamLink l;
    while ((l = q.pollLast()) != null) { // the most recently used: warm, least likely to have timed out
      if (l.channel.isActive() && l.address.equals(now)) {
        return l;
      }
      l.channel.close();
    }
    return null;
  }

  /** Connects {@code link} (from {@link #newLink}); the future completes on this loop. */
  ChannelFuture connect(UpstreamLink link) {
    ChannelFuture f = bootstrap.connect(connectAddress(link.address));
    link.channel = f.channel();
    f.channel().pipeline().addLast("link", link);
    return f;
  }

  /** A new, not yet connected link to {@code u} at its current address. */
  UpstreamLink newLink(Upstream u) {
    return new UpstreamLink(this, u, u.socketAddress(), responseTimeoutNanos, idleTimeoutNanos);
  }

  void offer(UpstreamLink l) {
    idle.computeIfAbsent(l.upstream, k -> new ArrayDeque<>()).addLast(l);
  }

  void remove(UpstreamLink l) {
    ArrayDeque<UpstreamLink> q = idle.get(l.upstream);
    if (q != null) {
      q.remove(l);
      if (q.isEmpty() && l.upstream.removed()) {
        idle.remove(l.upstream);
      }
    }
  }

  /** Closes every idle link (the router is closing). */
  void closeIdle() {
    for (ArrayDeque<UpstreamLink> q : idle.values()) {
      for (UpstreamLink l : q.toArray(new UpstreamLink[0])) {
        l.channel.close();
      }
    }
    idle.clear();
  }

  /**
   * Where to connect: an IP literal as is, a host name unresolved (the bootstrap's resolver, Vert.x's asynchronous
   * one, looks it up: never a blocking lookup on the event loop).
   */
  private static InetSocketAddress connectAddress(io.vertx.core.net.SocketAddress a) {
    String host = a.host();
    return io.netty.util.NetUtil.isValidIpV4Address(host) || io.netty.util.NetUtil.isValidIpV6Address(host)
        ? new InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(host), a.port())
        : InetSocketAddress.createUnresolved(host, a.port());
  }
}
