package io.sslfarm.ssl.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AttributeKey;
import io.sslfarm.ssl.SslMetrics;
import io.sslfarm.ssl.tls.ServerTlsContext;
import java.net.InetSocketAddress;

/**
 * The state of one downstream connection, shared by its handlers. Touched only on the channel's event loop.
 */
public final class DownstreamConnection {

  static final AttributeKey<DownstreamConnection> KEY = AttributeKey.valueOf("sslfarm.ssl.downstream");

  final Channel channel;
  final long acceptedNanos = System.nanoTime();
  /** The client: from the PROXY header, or the peer in direct mode. */
  InetSocketAddress source;
  /** Where the client connected to: from the PROXY header, or our local address. */
  InetSocketAddress destination;
  boolean headerDone;
  boolean handshakeDone;
  /** Set once the connection was counted as rejected or failed, so it is counted once. */
  boolean counted;
  String serverName;
  ServerTlsContext tls;
  long handshakeStartNanos;
  long handshakeStartMillis;

  DownstreamConnection(Channel channel) {
    this.channel = channel;
  }

  static DownstreamConnection of(Channel ch) {
    return ch.attr(KEY).get();
  }

  /**
   * On a drain: closes {@code ch} if it finished its handshake and its client has not sent a byte yet (nothing is in
   * flight on it), counted as unused with reason {@code drain}; other connections continue. Any thread.
   */
  public static void closeIfUnused(Channel ch) {
    ch.eventLoop().execute(() -> {
      // the handler leaves the pipeline once the client sent a byte (or the connection closed)
      ChannelHandlerContext ctx = ch.pipeline().context(DownstreamHandler.class);
      if (ctx != null) {
        ((DownstreamHandler) ctx.handler()).closeOnDrain(ctx);
      }
    });
  }

  /** Counts a rejection once and closes. */
  void reject(SslMetrics metrics, SslMetrics.Reject reason) {
    if (!counted) {
      counted = true;
      metrics.rejected(reason);
    }
    channel.close();
  }
}
