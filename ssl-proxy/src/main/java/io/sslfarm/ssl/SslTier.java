package io.sslfarm.ssl;

import io.netty.bootstrap.ServerBootstrap;
import io.sslfarm.net.InProcess;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.CertsOptions;
import io.sslfarm.certs.sni.CertificateWatcher;
import io.sslfarm.certs.store.CertificateOpener;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.node.Tier;
import io.sslfarm.node.TierContext;
import io.sslfarm.ssl.listener.DownstreamConnection;
import io.sslfarm.ssl.listener.DownstreamInitializer;
import io.sslfarm.ssl.listener.HandshakeAdmission;
import io.sslfarm.ssl.tls.CertificateSource;
import io.sslfarm.ssl.tls.TicketKeyManager;
import io.sslfarm.ssl.tls.TlsContextSelector;
import io.sslfarm.ssl.tls.WatcherCertificateSource;
import io.sslfarm.ssl.upstream.UpstreamConnector;
import io.sslfarm.ssl.upstream.UpstreamSelector;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSL tier: a Netty listener on Vert.x's event loops that terminates TLS and relays plaintext to a router.
 *
 * <pre>
 *  edge ─PROXY v2─▶ [gate: trusted CIDRs] ─▶ [SNI → context] ─▶ [TLS] ─▶ router (least loaded) ─PROXY v2 + TLVs─▶
 *                                                 ▲
 *                     certificates (CertificateSource) · ticket keys (cluster, leader rotates)
 * </pre>
 *
 * <p>Certificates come from the given {@link CertificateSource}; ticket keys from the cluster's
 * {@link io.sslfarm.cluster.TicketKeyHolder} (applied to OpenSSL contexts; Conscrypt keeps its own per-node keys).
 */
public final class SslTier implements Tier {

  private static final Logger LOG = LoggerFactory.getLogger(SslTier.class);

  private final SslOptions fixedOptions;
  private volatile CertificateSource certificates;
  private CertificateWatcher watcher;
  private final AtomicLong active = new AtomicLong();
  private volatile HandshakeAdmission admission;
  private final ChannelGroup channels = new DefaultChannelGroup("sslfarm-ssl", GlobalEventExecutor.INSTANCE);
  private volatile Channel server;
  private volatile InProcess.Binding inProcess;
  private TicketKeyManager ticketKeys;
  private TlsContextSelector selector;
  private SslMetrics metrics;

  /**
   * A farm node's tier: options from the node config ({@code ssl.*}), certificates from the cluster store (a
   * {@link CertificateWatcher}, default certificate {@code certs.default-id}).
   */
  public SslTier() {
    this(null, null);
  }

  /** Options read from the node config ({@code ssl.*}) at start; certificates from {@code certificates}. */
  public SslTier(CertificateSource certificates) {
    this(null, certificates);
  }

  /**
   * Fixed options (tests, benchmarks); null = read from the node config at start. Null {@code certificates} = from
   * the cluster store.
   */
  public SslTier(SslOptions options, CertificateSource certificates) {
    this.fixedOptions = options == null ? null : new SslOptions(options).validate();
    this.certificates = certificates;
  }

  @Override
  public Future<HostPort> start(TierContext context) {
    if (certificates != null) {
      return startListener(context);
    }
    // CertificateWatcher.start() opens the stored records on the calling thread: not on an event loop.
    return context.vertx().executeBlocking(() -> {
      FarmCluster cluster = context.cluster();
      if (cluster == null) {
        throw new IllegalStateException("the SSL tier needs a cluster for its certificates");
      }
      watcher = new CertificateWatcher(cluster.certificates(), new CertificateOpener(context.sealer()),
          context.config().get(CertsOptions.DEFAULT_ID), new CertsMetrics(context.meterRegistry())).start();
      certificates = new WatcherCertificateSource(watcher);
      return null;
    }).compose(v -> startListener(context));
  }

  private Future<HostPort> startListener(TierContext context) {
    SslOptions options = fixedOptions != null ? fixedOptions : SslOptions.from(context.config());
    VertxInternal vertx = (VertxInternal) context.vertx();
    metrics = new SslMetrics(context.meterRegistry(), options.getEngine(), active::get);
    selector = new TlsContextSelector(certificates, options);
    // Ready only with a certificate to serve clients without (or with an unknown) SNI: a node that joined before the
    // certificates reached it must not get connections from the edges' readiness-aware health checks.
    CertificateSource certs = certificates;
    context.admin().readiness("certificate", () -> certs.select(null).isPresent());
    FarmCluster cluster = context.cluster();
    UpstreamSelector routers = new UpstreamSelector(
        () -> cluster == null ? List.of() : cluster.nodes().nodes(NodeRole.ROUTER), options.getUpstreamBackoff());
    UpstreamConnector connector = new UpstreamConnector(routers, options.getConnectTimeout(),
        options.getUpstreamRetries(), metrics);
    if (cluster != null && options.isSessionTickets()) {
      ticketKeys = new TicketKeyManager(vertx, cluster.ticketKeys(), cluster.leadership(), context.sealer(),
          options.getTicketRotation(), selector::applyTicketKeys);
      ticketKeys.start();
    }
    Promise<HostPort> promise = Promise.promise();
    admission = new HandshakeAdmission(options.getMaxHandshakes(), options.getMaxHandshakeRate());
    DownstreamInitializer initializer = new DownstreamInitializer(options, selector, connector, metrics, active,
        channels, admission);
    ServerBootstrap b = new ServerBootstrap()
        .group(vertx.acceptorEventLoopGroup(), vertx.nettyEventLoopGroup())
        .channelFactory(vertx.transport().serverChannelFactory(false))
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(initializer);
    b.bind(options.getHost(), options.getPort()).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        Channel s = f.channel();
        server = s;
        InetSocketAddress a = (InetSocketAddress) s.localAddress();
        // an edge of this process reaches us without the kernel (same pipeline, same PROXY header), or hands us its
        // client's own socket (adopt: the same pipeline on it, the address the PROXY header would carry): see InProcess
        Class<? extends Channel> tcp = s instanceof io.netty.channel.epoll.EpollServerSocketChannel
            ? io.netty.channel.epoll.EpollSocketChannel.class : io.netty.channel.socket.nio.NioSocketChannel.class;
        inProcess = InProcess.bind(a, tcp, (child, loop) -> {
          child.pipeline().addLast(initializer);
          loop.register(child);
        }, (downstream, info) -> {
          if (!s.isOpen()) {
            return false; // stopped accepting (drain): the edge picks another node
          }
          initializer.adopt(downstream, info);
          return true;
        });
        LOG.info("SSL tier listening on {}:{} ({}, PROXY header {})", options.getHost(), a.getPort(),
            options.getEngine().id(), options.isProxyProtocol() ? "required" : "off");
        promise.complete(new HostPort(options.getHost(), a.getPort()));
      } else {
        promise.fail(f.cause());
      }
    });
    return promise.future();
  }

  @Override
  public Future<Void> stopAccepting() {
    Channel s = server;
    if (s == null) {
      return Future.succeededFuture();
    }
    InProcess.Binding ip = inProcess;
    if (ip != null) {
      ip.close();
    }
    Promise<Void> p = Promise.promise();
    s.close().addListener(f -> p.complete());
    // Nothing is in flight on a connection whose client has not sent a byte since its handshake: do not let it hold
    // the drain until its idle timeout.
    channels.forEach(DownstreamConnection::closeIfUnused);
    return p.future();
  }

  @Override
  public long activeConnections() {
    return active.get();
  }

  /** TLS handshakes in progress now (admitted by {@code ssl.max-handshakes}, not finished); 0 before start. */
  public int handshakesInProgress() {
    HandshakeAdmission a = admission;
    return a == null ? 0 : a.inProgress();
  }

  @Override
  public Future<Void> close() {
    if (ticketKeys != null) {
      ticketKeys.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    Promise<Void> p = Promise.promise();
    stopAccepting().onComplete(v -> channels.close().addListener(f -> p.complete()));
    return p.future();
  }

  /** The port the listener is bound to, or -1 before {@link #start} completed. */
  public int boundPort() {
    Channel s = server;
    return s == null ? -1 : ((InetSocketAddress) s.localAddress()).getPort();
  }

  /** The tier's meters (after {@link #start}). */
  public SslMetrics metrics() {
    return metrics;
  }

  /** The ticket key manager, or null without a cluster or with tickets off (after {@link #start}). */
  public TicketKeyManager ticketKeys() {
    return ticketKeys;
  }

  /** The context selector (after {@link #start}). */
  public TlsContextSelector contexts() {
    return selector;
  }
}
