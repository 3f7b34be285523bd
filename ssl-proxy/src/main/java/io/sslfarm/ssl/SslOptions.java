package io.sslfarm.ssl;

import static io.sslfarm.config.ConfigTypes.BOOLEAN;
import static io.sslfarm.config.ConfigTypes.DURATION_TYPE;
import static io.sslfarm.config.ConfigTypes.PORT;
import static io.sslfarm.config.ConfigTypes.STRING;
import static io.sslfarm.config.ConfigTypes.STRING_LIST;
import static io.sslfarm.config.ConfigTypes.intRange;
import static io.sslfarm.config.ConfigTypes.oneOf;

import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigKey;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.net.CidrSet;
import io.sslfarm.ssl.tls.TlsEngineKind;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Settings of the SSL tier ({@code ssl.*} keys). Mutable while being built (fluent setters); {@link SslTier} takes a
 * copy at start and never reads the original again.
 */
public final class SslOptions {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 9443;
  public static final boolean DEFAULT_PROXY_PROTOCOL = true;
  public static final List<String> DEFAULT_TRUSTED_PROXIES = List.of("127.0.0.0/8", "::1/128");
  public static final TlsEngineKind DEFAULT_ENGINE = TlsEngineKind.CONSCRYPT;
  public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
  /**
   * Mozilla "intermediate" (v5.7) in IANA names, without the DHE suites BoringSSL does not implement. The TLS 1.3
   * suites are listed for clarity; BoringSSL always enables all three.
   */
  public static final List<String> DEFAULT_CIPHERS = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
  public static final List<String> DEFAULT_ALPN = List.of("h2", "http/1.1");
  public static final boolean DEFAULT_SESSION_TICKETS = true;
  public static final Duration DEFAULT_TICKET_ROTATION = Duration.ofHours(1);
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
  public static final int DEFAULT_MAX_CONNECTIONS = 20_000;
  public static final int DEFAULT_MAX_HANDSHAKES = 1024;
  public static final int DEFAULT_MAX_HANDSHAKE_RATE = 0;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
  public static final int DEFAULT_UPSTREAM_RETRIES = 2;
  public static final Duration DEFAULT_UPSTREAM_BACKOFF = Duration.ofSeconds(5);
  public static final boolean DEFAULT_CONNECT_ON_DATA = true;

  public static final ConfigKey<String> HOST = ConfigKey.of("ssl.host", STRING, DEFAULT_HOST,
      "interface the TLS listener binds to (0.0.0.0 = all)");
  public static final ConfigKey<Integer> PORT_KEY = ConfigKey.of("ssl.port", PORT, DEFAULT_PORT,
      "TCP port of the TLS listener; 0 = any free port");
  public static final ConfigKey<String> PROXY_PROTOCOL = ConfigKey.of("ssl.proxy-protocol", oneOf("required", "off"),
      "required", "required = every connection starts with a PROXY v2 header from a trusted source (behind edges);"
          + " off = direct mode, clients connect straight to this node");
  public static final ConfigKey<List<String>> TRUSTED_PROXIES = ConfigKey.of("ssl.trusted-proxies", STRING_LIST,
      DEFAULT_TRUSTED_PROXIES, "CIDRs allowed to send a PROXY header (the edges); others are closed before TLS");
  public static final ConfigKey<String> ENGINE = ConfigKey.of("ssl.engine", oneOf("conscrypt", "openssl"),
      "conscrypt", "TLS engine: conscrypt (resumption on this node only) or openssl (netty-tcnative BoringSSL,"
          + " farm-wide resumption with the cluster's ticket keys)");
  public static final ConfigKey<List<String>> PROTOCOLS = ConfigKey.of("ssl.protocols", STRING_LIST,
      DEFAULT_PROTOCOLS, "enabled TLS versions");
  public static final ConfigKey<List<String>> CIPHERS = ConfigKey.of("ssl.ciphers", STRING_LIST, DEFAULT_CIPHERS,
      "enabled TLS 1.2 cipher suites in IANA names (TLS 1.3 suites are always on); default Mozilla intermediate");
  public static final ConfigKey<List<String>> ALPN = ConfigKey.of("ssl.alpn", STRING_LIST, DEFAULT_ALPN,
      "ALPN protocols offered, in server preference order; empty = no ALPN");
  public static final ConfigKey<Boolean> SESSION_TICKETS = ConfigKey.of("ssl.session-tickets", BOOLEAN,
      DEFAULT_SESSION_TICKETS, "issue TLS session tickets (resumption without server state)");
  public static final ConfigKey<Duration> TICKET_ROTATION = ConfigKey.of("ssl.ticket-rotation", DURATION_TYPE,
      DEFAULT_TICKET_ROTATION, "how often the leader rotates the farm's ticket keys; also the session lifetime");
  public static final ConfigKey<Duration> HANDSHAKE_TIMEOUT = ConfigKey.of("ssl.handshake-timeout", DURATION_TYPE,
      DEFAULT_HANDSHAKE_TIMEOUT, "time from accept to a finished TLS handshake (PROXY header included); 0 = none");
  public static final ConfigKey<Duration> IDLE_TIMEOUT = ConfigKey.of("ssl.idle-timeout", DURATION_TYPE,
      DEFAULT_IDLE_TIMEOUT, "close a connection with no byte in either direction for this long; 0 = never");
  public static final ConfigKey<Integer> MAX_CONNECTIONS = ConfigKey.of("ssl.max-connections",
      intRange(0, 10_000_000), DEFAULT_MAX_CONNECTIONS, "open downstream connections at most; 0 = no limit");
  public static final ConfigKey<Integer> MAX_HANDSHAKES = ConfigKey.of("ssl.max-handshakes",
      intRange(0, 10_000_000), DEFAULT_MAX_HANDSHAKES, "TLS handshakes in progress at most (ClientHello received,"
          + " not finished); over it a connection is closed at its ClientHello, no ServerHello (HAProxy maxsslconn,"
          + " handshakes only); 0 = no limit. 1024 = ~3 cores' worth of full handshakes (~3700/s each at ~270 us)"
          + " at 100 ms client RTT; beyond that a flood only queues CPU work and engine memory");
  public static final ConfigKey<Integer> MAX_HANDSHAKE_RATE = ConfigKey.of("ssl.max-handshake-rate",
      intRange(0, 10_000_000), DEFAULT_MAX_HANDSHAKE_RATE, "new TLS handshakes per second at most (token bucket,"
          + " burst 1 s; resumptions count too: an offered ticket may still need a full handshake); over it a"
          + " connection is closed at its ClientHello (HAProxy maxsslrate); 0 = no limit. Default 0: the right value"
          + " depends on the node's cores (~2000-3000 per core leaves CPU for established connections)");
  public static final ConfigKey<Duration> CONNECT_TIMEOUT = ConfigKey.of("ssl.connect-timeout", DURATION_TYPE,
      DEFAULT_CONNECT_TIMEOUT, "timeout of one connect to a router");
  public static final ConfigKey<Integer> UPSTREAM_RETRIES = ConfigKey.of("ssl.upstream-retries", intRange(0, 10),
      DEFAULT_UPSTREAM_RETRIES, "other routers tried when a connect fails before any byte; 0 = no retry");
  public static final ConfigKey<Duration> UPSTREAM_BACKOFF = ConfigKey.of("ssl.upstream-backoff", DURATION_TYPE,
      DEFAULT_UPSTREAM_BACKOFF, "a router whose connect failed is skipped for this long (unless none is left)");
  public static final ConfigKey<String> UPSTREAM_CONNECT = ConfigKey.of("ssl.upstream-connect",
      oneOf("on-data", "on-handshake"), "on-data", "when the router connection opens: on-data = at the client's first"
          + " byte after the handshake (a preconnected or silent client holds no router connection; HTTP clients"
          + " speak first); on-handshake = as soon as the handshake ends");

  /** Every key of the tier, for the node's config schema. */
  public static final List<ConfigKey<?>> KEYS = List.of(HOST, PORT_KEY, PROXY_PROTOCOL, TRUSTED_PROXIES, ENGINE,
      PROTOCOLS, CIPHERS, ALPN, SESSION_TICKETS, TICKET_ROTATION, HANDSHAKE_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS,
      MAX_HANDSHAKES, MAX_HANDSHAKE_RATE, CONNECT_TIMEOUT, UPSTREAM_RETRIES, UPSTREAM_BACKOFF, UPSTREAM_CONNECT);

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private boolean proxyProtocol = DEFAULT_PROXY_PROTOCOL;
  private List<String> trustedProxies = DEFAULT_TRUSTED_PROXIES;
  private TlsEngineKind engine = DEFAULT_ENGINE;
  private List<String> protocols = DEFAULT_PROTOCOLS;
  private List<String> ciphers = DEFAULT_CIPHERS;
  private List<String> alpn = DEFAULT_ALPN;
  private boolean sessionTickets = DEFAULT_SESSION_TICKETS;
  private Duration ticketRotation = DEFAULT_TICKET_ROTATION;
  private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
  private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
  private int maxConnections = DEFAULT_MAX_CONNECTIONS;
  private int maxHandshakes = DEFAULT_MAX_HANDSHAKES;
  private int maxHandshakeRate = DEFAULT_MAX_HANDSHAKE_RATE;
  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private int upstreamRetries = DEFAULT_UPSTREAM_RETRIES;
  private Duration upstreamBackoff = DEFAULT_UPSTREAM_BACKOFF;
  private boolean connectOnData = DEFAULT_CONNECT_ON_DATA;

  public SslOptions() {
  }

  public SslOptions(SslOptions o) {
    host = o.host;
    port = o.port;
    proxyProtocol = o.proxyProtocol;
    trustedProxies = o.trustedProxies;
    engine = o.engine;
    protocols = o.protocols;
    ciphers = o.ciphers;
    alpn = o.alpn;
    sessionTickets = o.sessionTickets;
    ticketRotation = o.ticketRotation;
    handshakeTimeout = o.handshakeTimeout;
    idleTimeout = o.idleTimeout;
    maxConnections = o.maxConnections;
    maxHandshakes = o.maxHandshakes;
    maxHandshakeRate = o.maxHandshakeRate;
    connectTimeout = o.connectTimeout;
    upstreamRetries = o.upstreamRetries;
    upstreamBackoff = o.upstreamBackoff;
    connectOnData = o.connectOnData;
  }

  /** Reads every {@code ssl.*} key (already typed by the loader) and validates. */
  public static SslOptions from(NodeConfig c) {
    return new SslOptions().setHost(c.get(HOST)).setPort(c.get(PORT_KEY))
        .setProxyProtocol("required".equals(c.get(PROXY_PROTOCOL))).setTrustedProxies(c.get(TRUSTED_PROXIES))
        .setEngine(TlsEngineKind.parse(c.get(ENGINE))).setProtocols(c.get(PROTOCOLS)).setCiphers(c.get(CIPHERS))
        .setAlpn(c.get(ALPN)).setSessionTickets(c.get(SESSION_TICKETS)).setTicketRotation(c.get(TICKET_ROTATION))
        .setHandshakeTimeout(c.get(HANDSHAKE_TIMEOUT)).setIdleTimeout(c.get(IDLE_TIMEOUT))
        .setMaxConnections(c.get(MAX_CONNECTIONS)).setMaxHandshakes(c.get(MAX_HANDSHAKES))
        .setMaxHandshakeRate(c.get(MAX_HANDSHAKE_RATE)).setConnectTimeout(c.get(CONNECT_TIMEOUT))
        .setUpstreamRetries(c.get(UPSTREAM_RETRIES)).setUpstreamBackoff(c.get(UPSTREAM_BACKOFF))
        .setConnectOnData("on-data".equals(c.get(UPSTREAM_CONNECT))).validate();
  }

  /** Checks values that the key types alone cannot; errors name the key path. Returns this. */
  public SslOptions validate() {
    CidrSet.parse(TRUSTED_PROXIES.path(), trustedProxies);
    if (protocols.isEmpty()) {
      throw new ConfigException(PROTOCOLS.path(), "at least one TLS version is needed");
    }
    for (String p : protocols) {
      if (!p.equals("TLSv1.2") && !p.equals("TLSv1.3")) {
        throw new ConfigException(PROTOCOLS.path(), "only TLSv1.2 and TLSv1.3 are supported, got '" + p + "'");
      }
    }
    if (ciphers.isEmpty()) {
      throw new ConfigException(CIPHERS.path(), "at least one cipher suite is needed");
    }
    if (ticketRotation.toSeconds() < 1) {
      throw new ConfigException(TICKET_ROTATION.path(), "must be at least 1s");
    }
    if (connectTimeout.isZero()) {
      throw new ConfigException(CONNECT_TIMEOUT.path(), "must be above 0");
    }
    return this;
  }

  public String getHost() {
    return host;
  }

  /** Listen interface; default {@value #DEFAULT_HOST}. */
  public SslOptions setHost(String host) {
    this.host = Objects.requireNonNull(host);
    return this;
  }

  public int getPort() {
    return port;
  }

  /** Listen port; default {@value #DEFAULT_PORT}; 0 = a free port (read it back from {@link SslTier#start}). */
  public SslOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public boolean isProxyProtocol() {
    return proxyProtocol;
  }

  /** True (default): a PROXY header from a trusted source is required; false: direct mode. */
  public SslOptions setProxyProtocol(boolean proxyProtocol) {
    this.proxyProtocol = proxyProtocol;
    return this;
  }

  public List<String> getTrustedProxies() {
    return trustedProxies;
  }

  /** CIDRs allowed to send PROXY headers; default loopback only. */
  public SslOptions setTrustedProxies(List<String> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
    return this;
  }

  public TlsEngineKind getEngine() {
    return engine;
  }

  /** TLS engine; default Conscrypt. */
  public SslOptions setEngine(TlsEngineKind engine) {
    this.engine = Objects.requireNonNull(engine);
    return this;
  }

  public List<String> getProtocols() {
    return protocols;
  }

  public SslOptions setProtocols(List<String> protocols) {
    this.protocols = List.copyOf(protocols);
    return this;
  }

  public List<String> getCiphers() {
    return ciphers;
  }

  public SslOptions setCiphers(List<String> ciphers) {
    this.ciphers = List.copyOf(ciphers);
    return this;
  }

  public List<String> getAlpn() {
    return alpn;
  }

  /** ALPN protocols in server preference order; empty = ALPN off. */
  public SslOptions setAlpn(List<String> alpn) {
    this.alpn = List.copyOf(alpn);
    return this;
  }

  public boolean isSessionTickets() {
    return sessionTickets;
  }

  public SslOptions setSessionTickets(boolean sessionTickets) {
    this.sessionTickets = sessionTickets;
    return this;
  }

  public Duration getTicketRotation() {
    return ticketRotation;
  }

  /** Rotation period of the farm's ticket keys, also the session (ticket) lifetime; default 1h. */
  public SslOptions setTicketRotation(Duration ticketRotation) {
    this.ticketRotation = Objects.requireNonNull(ticketRotation);
    return this;
  }

  public Duration getHandshakeTimeout() {
    return handshakeTimeout;
  }

  /** Accept → handshake done, PROXY header included; default 10s; 0 = none. */
  public SslOptions setHandshakeTimeout(Duration handshakeTimeout) {
    this.handshakeTimeout = Objects.requireNonNull(handshakeTimeout);
    return this;
  }

  public Duration getIdleTimeout() {
    return idleTimeout;
  }

  /** No byte either way for this long closes the connection; default 5m; 0 = never. */
  public SslOptions setIdleTimeout(Duration idleTimeout) {
    this.idleTimeout = Objects.requireNonNull(idleTimeout);
    return this;
  }

  public int getMaxConnections() {
    return maxConnections;
  }

  /** Open downstream connections at most; default {@value #DEFAULT_MAX_CONNECTIONS}; 0 = no limit. */
  public SslOptions setMaxConnections(int maxConnections) {
    this.maxConnections = maxConnections;
    return this;
  }

  public int getMaxHandshakes() {
    return maxHandshakes;
  }

  /** TLS handshakes in progress at most; default {@value #DEFAULT_MAX_HANDSHAKES}; 0 = no limit. */
  public SslOptions setMaxHandshakes(int maxHandshakes) {
    this.maxHandshakes = maxHandshakes;
    return this;
  }

  public int getMaxHandshakeRate() {
    return maxHandshakeRate;
  }

  /** New TLS handshakes per second at most; default {@value #DEFAULT_MAX_HANDSHAKE_RATE} = no limit. */
  public SslOptions setMaxHandshakeRate(int maxHandshakeRate) {
    this.maxHandshakeRate = maxHandshakeRate;
    return this;
  }

  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  public SslOptions setConnectTimeout(Duration connectTimeout) {
    this.connectTimeout = Objects.requireNonNull(connectTimeout);
    return this;
  }

  public int getUpstreamRetries() {
    return upstreamRetries;
  }

  /** Further routers tried after a failed connect; default {@value #DEFAULT_UPSTREAM_RETRIES}. */
  public SslOptions setUpstreamRetries(int upstreamRetries) {
    this.upstreamRetries = upstreamRetries;
    return this;
  }

  public Duration getUpstreamBackoff() {
    return upstreamBackoff;
  }

  public SslOptions setUpstreamBackoff(Duration upstreamBackoff) {
    this.upstreamBackoff = Objects.requireNonNull(upstreamBackoff);
    return this;
  }

  @Override
  public String toString() {
    return "SslOptions{" + host + ":" + port + ", proxy=" + proxyProtocol + ", engine="
        + engine.name().toLowerCase(Locale.ROOT) + ", protocols=" + protocols + ", alpn=" + alpn + "}";
  }

  /** True (default): the router connection opens at the client's first byte after the handshake, not before. */
  public boolean isConnectOnData() {
    return connectOnData;
  }

  public SslOptions setConnectOnData(boolean connectOnData) {
    this.connectOnData = connectOnData;
    return this;
  }
}
