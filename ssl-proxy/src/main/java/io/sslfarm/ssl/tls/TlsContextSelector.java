package io.sslfarm.ssl.tls;

import io.sslfarm.ssl.SslOptions;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the TLS context for a handshake's server name. Every call asks the {@link CertificateSource} (a local read,
 * updated by cluster events), so a replaced certificate is used by the very next handshake; contexts are cached per
 * certificate id and rebuilt when the version changes. Open connections keep the engine they were made with.
 *
 * <p>Thread-safe; {@link #select} runs on event loops. The OpenSSL contexts all carry the farm's current ticket keys.
 */
public final class TlsContextSelector {

  private static final Logger LOG = LoggerFactory.getLogger(TlsContextSelector.class);

  private final CertificateSource source;
  private final SslOptions options;
  private final ConcurrentHashMap<String, ServerTlsContext> byId = new ConcurrentHashMap<>();
  private volatile TicketKeySet ticketKeys;

  public TlsContextSelector(CertificateSource source, SslOptions options) {
    this.source = source;
    this.options = new SslOptions(options);
  }

  /** The context for {@code serverName} (null = no SNI), or empty if no certificate (not even a default) exists. */
  public Optional<ServerTlsContext> select(String serverName) {
    Optional<TlsCertificate> cert = source.select(serverName == null ? null : serverName.toLowerCase(java.util.Locale.ROOT));
    if (cert.isEmpty()) {
      return Optional.empty();
    }
    TlsCertificate c = cert.get();
    ServerTlsContext ctx = byId.get(c.id());
    if (ctx != null && ctx.certificate().version() == c.version()) {
      return Optional.of(ctx);
    }
    ServerTlsContext built = build(c);
    // Two handshakes may build the same version at once: the last one stays cached, both work.
    byId.put(c.id(), built);
    TicketKeySet keys = ticketKeys;
    if (keys != null) {
      built.applyTicketKeys(keys);
    }
    LOG.info("TLS context built for certificate {} version {} ({})", c.id(), c.version(), options.getEngine().id());
    return Optional.of(built);
  }

  /** Builds a context now (start-up check of the options against the engine). */
  public ServerTlsContext build(TlsCertificate c) {
    try {
      return switch (options.getEngine()) {
        case CONSCRYPT -> new ConscryptTlsContext(c, options);
        case OPENSSL -> new OpenSslTlsContext(c, options);
      };
    } catch (java.security.GeneralSecurityException | javax.net.ssl.SSLException e) {
      throw new IllegalStateException("cannot build " + options.getEngine().id() + " context for certificate "
          + c.id() + ": " + e.getMessage(), e);
    }
  }

  /** Installs new ticket keys on every cached context and on every context built later. */
  public void applyTicketKeys(TicketKeySet keys) {
    ticketKeys = keys;
    byId.values().forEach(c -> c.applyTicketKeys(keys));
  }

  /** Number of cached contexts (one per certificate id). */
  public int cachedContexts() {
    return byId.size();
  }
}
