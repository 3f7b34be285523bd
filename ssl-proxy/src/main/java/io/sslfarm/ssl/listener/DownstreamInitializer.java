package io.sslfarm.ssl.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.sslfarm.ssl.SslMetrics;
import io.sslfarm.ssl.SslMetrics.Reject;
import io.sslfarm.ssl.SslOptions;
import io.sslfarm.net.CidrSet;
import io.sslfarm.net.ProxyGateListener;
import io.sslfarm.net.ProxyGateRejection;
import io.sslfarm.net.ProxyInfo;
import io.sslfarm.net.ProxyProtocolGate;
import io.sslfarm.net.ProxyProtocolGateOptions;
import io.sslfarm.net.RelayListener;
import io.sslfarm.net.RelayOptions;
import io.sslfarm.ssl.tls.TlsContextSelector;
import io.sslfarm.ssl.upstream.UpstreamConnector;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds each downstream pipeline:
 *
 * <pre>
 *  ProxyProtocolGate (shared kit: trusted CIDRs, PROXY v2 only; direct mode: takes the peer's addresses)
 *  → SNI (→ replaced by SslHandler) → DownstreamHandler (→ replaced by the shared Relay, which owns the idle timeout)
 * </pre>
 *
 * {@code ssl.handshake-timeout} bounds both the PROXY header (the gate's timer: {@code header_timeout}) and accept →
 * finished handshake ({@code handshake_timeout}). PROXY v1 is refused ({@code malformed_header}): edges send v2. Over {@code ssl.max-connections} a new
 * connection is closed at once; over {@code ssl.max-handshakes} or {@code
 * ssl.max-handshake-rate} (see {@link HandshakeAdmission}) it is closed at its ClientHello, before any ServerHello. Runs on the channel's event loop.
 */
public final class DownstreamInitializer extends ChannelInitializer<Channel> {

  private final SslOptions options;
  private final ProxyProtocolGateOptions gateOptions;
  private final ProxyGateListener gateListener;
  private final RelayOptions relayOptions;
  private final RelayListener relayListener;
  private final TlsContextSelector selector;
  private final UpstreamConnector connector;
  private final SslMetrics metrics;
  private final AtomicLong active;
  private final ChannelGroup channels;
  private final HandshakeAdmission admission;

  public DownstreamInitializer(SslOptions options, TlsContextSelector selector, UpstreamConnector connector,
                               SslMetrics metrics, AtomicLong active, ChannelGroup channels,
                               HandshakeAdmission admission) {
    this.options = new SslOptions(options);
    this.gateOptions = new ProxyProtocolGateOptions().setRequired(options.isProxyProtocol())
        .setTrustedSources(CidrSet.parse(options.getTrustedProxies()))
        .setHeaderTimeout(options.getHandshakeTimeout());
    this.gateListener = new ProxyGateListener() {
      @Override
      public void onAccepted(Channel channel, ProxyInfo info) {
        DownstreamConnection c = DownstreamConnection.of(channel);
        c.headerDone = true;
        if (info.hasAddresses()) {
          c.source = info.source();
          c.destination = info.destination();
        }
      }

      @Override
      public void onRejected(Channel channel, ProxyGateRejection reason, Throwable cause) {
        DownstreamConnection.of(channel).reject(metrics, switch (reason) {
          case UNTRUSTED_SOURCE -> Reject.UNTRUSTED_SOURCE;
          case MALFORMED_HEADER -> Reject.MALFORMED_HEADER;
          case HEADER_TOO_LONG -> Reject.HEADER_TOO_LONG;
          case HEADER_TIMEOUT -> Reject.HEADER_TIMEOUT;
          case CLOSED_BEFORE_HEADER -> Reject.CLOSED_BEFORE_HEADER;
        });
      }
    };
    this.relayOptions = new RelayOptions().setIdleTimeout(options.getIdleTimeout());
    this.relayListener = metrics.relayListener();
    this.selector = selector;
    this.connector = connector;
    this.metrics = metrics;
    this.active = active;
    this.channels = channels;
    this.admission = admission;
  }

  @Override
  protected void initChannel(Channel ch) {
    init(ch, null);
  }

  /**
   * A client connection of this process handed over by its edge ({@link io.sslfarm.net.InProcess.Adopter}): the
   * pipeline an accepted connection gets, without the PROXY gate, the client address taken from {@code info} (what the
   * edge's PROXY header would have said). Runs on the channel's event loop; the channel is active, nothing read yet.
   */
  public void adopt(Channel ch, ProxyInfo info) {
    init(ch, info);
  }

  private void init(Channel ch, ProxyInfo adopted) {
    DownstreamConnection c = new DownstreamConnection(ch);
    ch.attr(DownstreamConnection.KEY).set(c);
    if (options.getMaxConnections() > 0 && active.get() >= options.getMaxConnections()) {
      c.reject(metrics, Reject.MAX_CONNECTIONS);
      return;
    }
    active.incrementAndGet();
    ch.closeFuture().addListener(f -> active.decrementAndGet());
    channels.add(ch);
    if (adopted == null) {
      c.source = (InetSocketAddress) ch.remoteAddress();
      c.destination = (InetSocketAddress) ch.localAddress();
      ch.pipeline().addLast(ProxyProtocolGate.HANDLER_NAME, new ProxyProtocolGate(gateOptions, gateListener));
    } else {
      gateListener.onAccepted(ch, adopted);
    }
    ch.pipeline().addLast("sni", new SniTlsHandler(selector, metrics, admission));
    ch.pipeline().addLast("downstream", new DownstreamHandler(metrics, connector, relayOptions, relayListener,
        options.isConnectOnData()));
    long deadline = options.getHandshakeTimeout().toMillis();
    if (deadline > 0) {
      var timer = ch.eventLoop().schedule(() -> {
        // Before the header the gate's own timer (same length) closes and reports header_timeout.
        if (c.headerDone && !c.handshakeDone) {
          if (!c.counted) {
            metrics.handshakeFailed("timeout");
          }
          c.reject(metrics, Reject.HANDSHAKE_TIMEOUT);
        }
      }, deadline, TimeUnit.MILLISECONDS);
      ch.closeFuture().addListener(f -> timer.cancel(false));
    }
  }
}
