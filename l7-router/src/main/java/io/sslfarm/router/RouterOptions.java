package io.sslfarm.router;

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
import java.time.Duration;
import java.util.List;

/**
 * Node-file options of the router tier (section {@code router}). Routes and pools are not here: they come from the
 * farm config ({@link io.sslfarm.router.config.FarmConfigValidator}). A duration of 0 disables that timeout.
 */
public final class RouterOptions {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_MAX_HEADER_SIZE = 8192;
  public static final int DEFAULT_MAX_INITIAL_LINE = 8192;
  public static final int DEFAULT_MAX_BODY_SIZE = 10 * 1024 * 1024;
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_UPSTREAM_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_UPSTREAM_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_UPSTREAM_MAX_CONNECTIONS = 256;
  public static final int DEFAULT_UPSTREAM_QUEUE_SIZE = 1024;
  public static final Duration DEFAULT_UPSTREAM_QUEUE_TIMEOUT = Duration.ofSeconds(2);
  public static final int DEFAULT_H2_MAX_CONCURRENT_STREAMS = 100;
  public static final int DEFAULT_H2_INITIAL_WINDOW_SIZE = 65_535;
  public static final int DEFAULT_H2_BUFFERED_BODY_MAX = 64 * 1024;
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_WEBSOCKET_IDLE_TIMEOUT = Duration.ofMinutes(10);
  public static final int DEFAULT_MAX_CONNECTIONS = 16384;

  public static final ConfigKey<String> HOST = ConfigKey.of("router.host", STRING, DEFAULT_HOST,
      "interface the HTTP listener binds to");
  public static final ConfigKey<Integer> PORT_KEY = ConfigKey.of("router.port", PORT, DEFAULT_PORT,
      "HTTP listener port (plain HTTP/1.1 and h2c from the SSL tier); 0 = any free port");
  public static final ConfigKey<String> PROXY_PROTOCOL = ConfigKey.of("router.proxy-protocol",
      oneOf("required", "off"), "required", "required = every connection starts with a PROXY v2 header (v1 is"
          + " refused) from a trusted peer (the SSL tier), whose ALPN TLV h2 selects HTTP/2; off = plain HTTP/1.1 or h2c"
          + " prior knowledge, client address = TCP peer (direct mode, tests)");
  public static final ConfigKey<List<String>> TRUSTED_PROXIES = ConfigKey.of("router.trusted-proxies", STRING_LIST,
      List.of("127.0.0.0/8", "::1/128"), "CIDRs allowed to send the PROXY header; other peers are closed before"
          + " any request is served");
  public static final ConfigKey<Integer> MAX_HEADER_SIZE = ConfigKey.of("router.max-header-size",
      intRange(1024, 1 << 20), DEFAULT_MAX_HEADER_SIZE, "bytes of request header lines; larger = 431 and close");
  public static final ConfigKey<Integer> MAX_INITIAL_LINE = ConfigKey.of("router.max-initial-line",
      intRange(256, 1 << 20), DEFAULT_MAX_INITIAL_LINE, "bytes of the request line; longer = 414 and close");
  public static final ConfigKey<Integer> MAX_BODY_SIZE = ConfigKey.of("router.max-body-size",
      intRange(0, Integer.MAX_VALUE), DEFAULT_MAX_BODY_SIZE, "bytes of request body; larger = 413 and close;"
          + " 0 = unlimited");
  public static final ConfigKey<Duration> HEADER_TIMEOUT = ConfigKey.of("router.header-timeout", DURATION_TYPE,
      DEFAULT_HEADER_TIMEOUT, "time from a request's first byte to its complete head (the first request of a"
          + " connection included; HTTP/2: from the preface to the first request), exceeded = 408 and close; also the"
          + " time allowed for the PROXY header (0 = 5 s there)");
  public static final ConfigKey<Duration> REQUEST_TIMEOUT = ConfigKey.of("router.request-timeout", DURATION_TYPE,
      DEFAULT_REQUEST_TIMEOUT, "time from a request's first byte to its complete body; exceeded = 408 and close");
  public static final ConfigKey<Duration> IDLE_TIMEOUT = ConfigKey.of("router.idle-timeout", DURATION_TYPE,
      DEFAULT_IDLE_TIMEOUT, "a downstream connection with no traffic for this long is closed");
  public static final ConfigKey<Duration> UPSTREAM_CONNECT_TIMEOUT = ConfigKey.of("router.upstream-connect-timeout",
      DURATION_TYPE, DEFAULT_UPSTREAM_CONNECT_TIMEOUT, "TCP connect to a backend; exceeded = 502 and ejection");
  public static final ConfigKey<Duration> UPSTREAM_RESPONSE_TIMEOUT = ConfigKey.of(
      "router.upstream-response-timeout", DURATION_TYPE, DEFAULT_UPSTREAM_RESPONSE_TIMEOUT,
      "time for a backend to send the response head (and between body packets); exceeded = 504");
  public static final ConfigKey<Integer> UPSTREAM_MAX_CONNECTIONS = ConfigKey.of("router.upstream-max-connections",
      intRange(1, 65535), DEFAULT_UPSTREAM_MAX_CONNECTIONS, "connections (requests at once) per backend on this"
          + " router; more requests wait in the backend's queue (HAProxy maxconn)");
  public static final ConfigKey<Integer> UPSTREAM_QUEUE_SIZE = ConfigKey.of("router.upstream-queue-size",
      intRange(0, 1 << 20), DEFAULT_UPSTREAM_QUEUE_SIZE, "requests that may wait per backend when all its"
          + " connections are busy; beyond = 503 upstream-queue-full, the backend is not ejected; 0 = no waiting");
  public static final ConfigKey<Duration> UPSTREAM_QUEUE_TIMEOUT = ConfigKey.of("router.upstream-queue-timeout",
      DURATION_TYPE, DEFAULT_UPSTREAM_QUEUE_TIMEOUT, "longest wait in a backend's queue; exceeded = 503"
          + " upstream-queue-timeout, the backend is not ejected (HAProxy timeout queue); 0 = no limit");
  public static final ConfigKey<Boolean> ACCESS_LOG = ConfigKey.of("router.access-log", BOOLEAN, true,
      "one line per request on the SLF4J logger sslfarm.access");
  public static final ConfigKey<String> ACCESS_LOG_FORMAT = ConfigKey.of("router.access-log-format",
      oneOf("kv", "json"), "kv", "kv = key=value pairs, json = one JSON object per line");
  public static final ConfigKey<String> HEADERS_WITH_UNDERSCORES = ConfigKey.of("router.headers-with-underscores",
      oneOf("drop", "reject", "allow"), "drop", "request headers whose name contains '_' (CGI-style backends read"
          + " X_Forwarded_For as X-Forwarded-For): drop = not forwarded, counted in sslfarm.router.headers.dropped"
          + " (NGINX underscores_in_headers off); reject = 400 and close; allow = forwarded, except look-alikes of the"
          + " forwarding and client-IP headers");
  public static final ConfigKey<String> STICKY_SECRET = ConfigKey.of("router.sticky-secret", STRING, "",
      "HMAC secret for insert-mode cookies, the same on every router (at least 16 characters); empty = a random"
          + " farm key kept in the cluster, sealed with the master key (recommended); never logged");
  public static final ConfigKey<Integer> EVENT_LOOPS = ConfigKey.of("router.event-loops", intRange(0, 256), 0,
      "listener instances (one event loop each); 0 = number of CPUs");
  public static final ConfigKey<Integer> H2_MAX_CONCURRENT_STREAMS = ConfigKey.of(
      "router.h2-max-concurrent-streams", intRange(1, 65535), DEFAULT_H2_MAX_CONCURRENT_STREAMS,
      "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS sent to clients: open streams per connection; more are refused"
          + " (RST_STREAM REFUSED_STREAM)");
  public static final ConfigKey<Integer> H2_INITIAL_WINDOW_SIZE = ConfigKey.of("router.h2-initial-window-size",
      intRange(1024, Integer.MAX_VALUE), DEFAULT_H2_INITIAL_WINDOW_SIZE, "HTTP/2 SETTINGS_INITIAL_WINDOW_SIZE"
          + " sent to clients: body bytes a stream may send ahead of the router (RFC default 65535); the connection"
          + " window is not enlarged beyond it");
  public static final ConfigKey<Integer> H2_BUFFERED_BODY_MAX = ConfigKey.of("router.h2-buffered-body-max",
      intRange(0, Integer.MAX_VALUE), DEFAULT_H2_BUFFERED_BODY_MAX, "bytes of body an HTTP/2 GET, HEAD, DELETE,"
          + " OPTIONS or TRACE without Content-Length may carry (it is read into memory before forwarding); larger ="
          + " 413 h2-buffered-body-too-large");
  public static final ConfigKey<Duration> BODY_TIMEOUT = ConfigKey.of("router.body-timeout", DURATION_TYPE,
      DEFAULT_BODY_TIMEOUT, "longest wait for the next body bytes of a request (HTTP/1.x or one HTTP/2 stream) while"
          + " the router is reading it; exceeded = 408 body-timeout (HTTP/1.x: and close; HTTP/2: that stream only)"
          + " (NGINX client_body_timeout)");
  public static final ConfigKey<Integer> MAX_CONNECTIONS = ConfigKey.of("router.max-connections",
      intRange(0, Integer.MAX_VALUE), DEFAULT_MAX_CONNECTIONS, "downstream connections the router holds at once"
          + " (WebSockets included); one more is answered 503 too-many-connections and closed (HTTP/1.x; HTTP/2:"
          + " closed) instead of being served, so a flood of connections cannot exhaust memory or descriptors"
          + " (HAProxy maxconn); 0 = no limit");
  public static final ConfigKey<Duration> WEBSOCKET_IDLE_TIMEOUT = ConfigKey.of("router.websocket-idle-timeout",
      DURATION_TYPE, DEFAULT_WEBSOCKET_IDLE_TIMEOUT, "a WebSocket (HTTP/1.1 Upgrade: websocket, relayed as bytes"
          + " once the backend answered 101) with no byte in either direction for this long is closed; 0 = never"
          + " (NGINX proxy_read_timeout, Envoy idle_timeout of an upgraded stream)");

  public static final List<ConfigKey<?>> KEYS = List.of(HOST, PORT_KEY, PROXY_PROTOCOL, TRUSTED_PROXIES,
      MAX_HEADER_SIZE, MAX_INITIAL_LINE, MAX_BODY_SIZE, HEADER_TIMEOUT, REQUEST_TIMEOUT, IDLE_TIMEOUT,
      UPSTREAM_CONNECT_TIMEOUT, UPSTREAM_RESPONSE_TIMEOUT, UPSTREAM_MAX_CONNECTIONS, UPSTREAM_QUEUE_SIZE,
      UPSTREAM_QUEUE_TIMEOUT, ACCESS_LOG, ACCESS_LOG_FORMAT, HEADERS_WITH_UNDERSCORES,
      STICKY_SECRET, EVENT_LOOPS, H2_MAX_CONCURRENT_STREAMS, H2_INITIAL_WINDOW_SIZE, H2_BUFFERED_BODY_MAX,
      BODY_TIMEOUT, WEBSOCKET_IDLE_TIMEOUT, MAX_CONNECTIONS);

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private boolean proxyProtocol = true;
  private List<String> trustedProxies = TRUSTED_PROXIES.defaultValue();
  private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
  private int maxInitialLine = DEFAULT_MAX_INITIAL_LINE;
  private int maxBodySize = DEFAULT_MAX_BODY_SIZE;
  private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
  private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
  private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
  private Duration upstreamConnectTimeout = DEFAULT_UPSTREAM_CONNECT_TIMEOUT;
  private Duration upstreamResponseTimeout = DEFAULT_UPSTREAM_RESPONSE_TIMEOUT;
  private int upstreamMaxConnections = DEFAULT_UPSTREAM_MAX_CONNECTIONS;
  private int upstreamQueueSize = DEFAULT_UPSTREAM_QUEUE_SIZE;
  private Duration upstreamQueueTimeout = DEFAULT_UPSTREAM_QUEUE_TIMEOUT;
  private boolean accessLog = true;
  private String accessLogFormat = "kv";
  private String headersWithUnderscores = "drop";
  private String stickySecret = "";
  private int eventLoops = 0;
  private int h2MaxConcurrentStreams = DEFAULT_H2_MAX_CONCURRENT_STREAMS;
  private int h2InitialWindowSize = DEFAULT_H2_INITIAL_WINDOW_SIZE;
  private int h2BufferedBodyMax = DEFAULT_H2_BUFFERED_BODY_MAX;
  private Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;
  private Duration websocketIdleTimeout = DEFAULT_WEBSOCKET_IDLE_TIMEOUT;
  private int maxConnections = DEFAULT_MAX_CONNECTIONS;

  public RouterOptions() {
  }

  public RouterOptions(RouterOptions o) {
    host = o.host;
    port = o.port;
    proxyProtocol = o.proxyProtocol;
    trustedProxies = o.trustedProxies;
    maxHeaderSize = o.maxHeaderSize;
    maxInitialLine = o.maxInitialLine;
    maxBodySize = o.maxBodySize;
    headerTimeout = o.headerTimeout;
    requestTimeout = o.requestTimeout;
    idleTimeout = o.idleTimeout;
    upstreamConnectTimeout = o.upstreamConnectTimeout;
    upstreamResponseTimeout = o.upstreamResponseTimeout;
    upstreamMaxConnections = o.upstreamMaxConnections;
    upstreamQueueSize = o.upstreamQueueSize;
    upstreamQueueTimeout = o.upstreamQueueTimeout;
    accessLog = o.accessLog;
    accessLogFormat = o.accessLogFormat;
    headersWithUnderscores = o.headersWithUnderscores;
    stickySecret = o.stickySecret;
    eventLoops = o.eventLoops;
    h2MaxConcurrentStreams = o.h2MaxConcurrentStreams;
    h2InitialWindowSize = o.h2InitialWindowSize;
    h2BufferedBodyMax = o.h2BufferedBodyMax;
    bodyTimeout = o.bodyTimeout;
    websocketIdleTimeout = o.websocketIdleTimeout;
    maxConnections = o.maxConnections;
  }

  /** Reads every {@code router.*} key (already type-checked by the loader) and validates the combination. */
  public static RouterOptions fromConfig(NodeConfig c) {
    RouterOptions o = new RouterOptions().setHost(c.get(HOST)).setPort(c.get(PORT_KEY))
        .setProxyProtocol("required".equals(c.get(PROXY_PROTOCOL))).setTrustedProxies(c.get(TRUSTED_PROXIES))
        .setMaxHeaderSize(c.get(MAX_HEADER_SIZE)).setMaxInitialLine(c.get(MAX_INITIAL_LINE))
        .setMaxBodySize(c.get(MAX_BODY_SIZE)).setHeaderTimeout(c.get(HEADER_TIMEOUT))
        .setRequestTimeout(c.get(REQUEST_TIMEOUT)).setIdleTimeout(c.get(IDLE_TIMEOUT))
        .setUpstreamConnectTimeout(c.get(UPSTREAM_CONNECT_TIMEOUT))
        .setUpstreamResponseTimeout(c.get(UPSTREAM_RESPONSE_TIMEOUT))
        .setUpstreamMaxConnections(c.get(UPSTREAM_MAX_CONNECTIONS)).setUpstreamQueueSize(c.get(UPSTREAM_QUEUE_SIZE))
        .setUpstreamQueueTimeout(c.get(UPSTREAM_QUEUE_TIMEOUT)).setAccessLog(c.get(ACCESS_LOG))
        .setAccessLogFormat(c.get(ACCESS_LOG_FORMAT))
        .setHeadersWithUnderscores(c.get(HEADERS_WITH_UNDERSCORES)).setStickySecret(c.get(STICKY_SECRET))
        .setEventLoops(c.get(EVENT_LOOPS)).setH2MaxConcurrentStreams(c.get(H2_MAX_CONCURRENT_STREAMS))
        .setH2InitialWindowSize(c.get(H2_INITIAL_WINDOW_SIZE)).setH2BufferedBodyMax(c.get(H2_BUFFERED_BODY_MAX))
        .setBodyTimeout(c.get(BODY_TIMEOUT)).setWebsocketIdleTimeout(c.get(WEBSOCKET_IDLE_TIMEOUT))
        .setMaxConnections(c.get(MAX_CONNECTIONS));
    o.validate();
    return o;
  }

  /** @throws ConfigException naming the key of the first invalid value */
  public RouterOptions validate() {
    trustedProxySet();
    if (!List.of("drop", "reject", "allow").contains(headersWithUnderscores)) {
      throw new ConfigException(HEADERS_WITH_UNDERSCORES.path(), "must be drop, reject or allow");
    }
    if (!stickySecret.isEmpty() && stickySecret.length() < 16) {
      throw new ConfigException(STICKY_SECRET.path(), "must be at least 16 characters (or empty for the sealed"
          + " farm key)");
    }
    if (upstreamConnectTimeout.isZero()) {
      throw new ConfigException(UPSTREAM_CONNECT_TIMEOUT.path(), "must be positive");
    }
    return this;
  }

  public String host() {
    return host;
  }

  /** Listener interface; default {@value #DEFAULT_HOST}. */
  public RouterOptions setHost(String host) {
    this.host = host;
    return this;
  }

  public int port() {
    return port;
  }

  /** Listener port; default {@value #DEFAULT_PORT}; 0 = any free port. */
  public RouterOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public boolean proxyProtocol() {
    return proxyProtocol;
  }

  /** True (default) = PROXY header required from trusted peers; false = direct mode. */
  public RouterOptions setProxyProtocol(boolean proxyProtocol) {
    this.proxyProtocol = proxyProtocol;
    return this;
  }

  public List<String> trustedProxies() {
    return trustedProxies;
  }

  /** CIDRs allowed to send PROXY headers; default 127.0.0.0/8 and ::1. */
  public RouterOptions setTrustedProxies(List<String> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
    return this;
  }
  /**
   * {@link #trustedProxies()} as the shared kit's CIDR set.
   *
   * @throws ConfigException naming {@code router.trusted-proxies} and the bad entry
   */
  public CidrSet trustedProxySet() {
    return CidrSet.parse(TRUSTED_PROXIES.path(), trustedProxies);
  }


  public int maxHeaderSize() {
    return maxHeaderSize;
  }

  /** Bytes; default 8 KiB. */
  public RouterOptions setMaxHeaderSize(int maxHeaderSize) {
    this.maxHeaderSize = maxHeaderSize;
    return this;
  }

  public int maxInitialLine() {
    return maxInitialLine;
  }

  /** Bytes; default 8 KiB. */
  public RouterOptions setMaxInitialLine(int maxInitialLine) {
    this.maxInitialLine = maxInitialLine;
    return this;
  }

  public int maxBodySize() {
    return maxBodySize;
  }

  /** Bytes; default 10 MiB; 0 = unlimited. */
  public RouterOptions setMaxBodySize(int maxBodySize) {
    this.maxBodySize = maxBodySize;
    return this;
  }

  public Duration headerTimeout() {
    return headerTimeout;
  }

  /** Default 10 s; 0 = off. */
  public RouterOptions setHeaderTimeout(Duration headerTimeout) {
    this.headerTimeout = headerTimeout;
    return this;
  }

  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Default 60 s; 0 = off. */
  public RouterOptions setRequestTimeout(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
    return this;
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** Default 60 s; 0 = off. */
  public RouterOptions setIdleTimeout(Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
    return this;
  }

  public Duration upstreamConnectTimeout() {
    return upstreamConnectTimeout;
  }

  /** Default 2 s; must be positive. */
  public RouterOptions setUpstreamConnectTimeout(Duration upstreamConnectTimeout) {
    this.upstreamConnectTimeout = upstreamConnectTimeout;
    return this;
  }

  public Duration upstreamResponseTimeout() {
    return upstreamResponseTimeout;
  }

  /** Default 30 s; 0 = off. */
  public RouterOptions setUpstreamResponseTimeout(Duration upstreamResponseTimeout) {
    this.upstreamResponseTimeout = upstreamResponseTimeout;
    return this;
  }

  public int upstreamMaxConnections() {
    return upstreamMaxConnections;
  }

  /**
   * Connections, i.e. requests at once, per backend on this router (the Vert.x pool's size and the backend queue's
   * slots); default 256. Requests beyond wait in the backend's queue.
   */
  public RouterOptions setUpstreamMaxConnections(int upstreamMaxConnections) {
    this.upstreamMaxConnections = upstreamMaxConnections;
    return this;
  }

  public int upstreamQueueSize() {
    return upstreamQueueSize;
  }

  /**
   * Requests that may wait per backend when all its connections are busy; default 1024 (Envoy's
   * {@code max_pending_requests}); beyond = 503 {@code upstream-queue-full}; 0 = none may wait.
   */
  public RouterOptions setUpstreamQueueSize(int upstreamQueueSize) {
    this.upstreamQueueSize = upstreamQueueSize;
    return this;
  }

  public Duration upstreamQueueTimeout() {
    return upstreamQueueTimeout;
  }

  /**
   * Longest wait in a backend's queue; default 2 s (the wait today's connect timeout allowed); exceeded = 503
   * {@code upstream-queue-timeout}; 0 = no limit (the client's own timeouts still apply).
   */
  public RouterOptions setUpstreamQueueTimeout(Duration upstreamQueueTimeout) {
    this.upstreamQueueTimeout = upstreamQueueTimeout;
    return this;
  }

  public boolean accessLog() {
    return accessLog;
  }

  /** Default true. */
  public RouterOptions setAccessLog(boolean accessLog) {
    this.accessLog = accessLog;
    return this;
  }

  public String accessLogFormat() {
    return accessLogFormat;
  }

  /** {@code kv} (default) or {@code json}. */
  public RouterOptions setAccessLogFormat(String accessLogFormat) {
    this.accessLogFormat = accessLogFormat;
    return this;
  }

  public String headersWithUnderscores() {
    return headersWithUnderscores;
  }

  /**
   * {@code drop} (default): request headers whose name contains {@code _} are not forwarded (counted); {@code reject}:
   * 400 {@code underscore-in-header} and close; {@code allow}: forwarded, but a name that reads as a forwarding or
   * client-IP header with {@code _} taken as {@code -} is still stripped.
   */
  public RouterOptions setHeadersWithUnderscores(String headersWithUnderscores) {
    this.headersWithUnderscores = headersWithUnderscores;
    return this;
  }

  public String stickySecret() {
    return stickySecret;
  }

  /** Default empty = the sealed farm key from the cluster. */
  public RouterOptions setStickySecret(String stickySecret) {
    this.stickySecret = stickySecret;
    return this;
  }

  public int eventLoops() {
    return eventLoops;
  }

  /** Listener instances; default 0 = number of CPUs. */
  public RouterOptions setEventLoops(int eventLoops) {
    this.eventLoops = eventLoops;
    return this;
  }

  public int h2MaxConcurrentStreams() {
    return h2MaxConcurrentStreams;
  }

  /** HTTP/2 streams open at once per downstream connection (SETTINGS_MAX_CONCURRENT_STREAMS); default 100. */
  public RouterOptions setH2MaxConcurrentStreams(int h2MaxConcurrentStreams) {
    this.h2MaxConcurrentStreams = h2MaxConcurrentStreams;
    return this;
  }

  public int h2InitialWindowSize() {
    return h2InitialWindowSize;
  }

  /**
   * HTTP/2 per-stream flow-control window granted to clients (SETTINGS_INITIAL_WINDOW_SIZE); default 65535, the RFC
   * default. The connection window is the RFC's 65535 too, or this value if larger.
   */
  public RouterOptions setH2InitialWindowSize(int h2InitialWindowSize) {
    this.h2InitialWindowSize = h2InitialWindowSize;
    return this;
  }

  public int h2BufferedBodyMax() {
    return h2BufferedBodyMax;
  }

  /**
   * Bytes of body an HTTP/2 request of a usually bodyless method without Content-Length may carry, read into memory
   * before forwarding; default 64 KiB (router.max-body-size still applies if smaller); larger = 413.
   */
  public RouterOptions setH2BufferedBodyMax(int h2BufferedBodyMax) {
    this.h2BufferedBodyMax = h2BufferedBodyMax;
    return this;
  }

  public Duration bodyTimeout() {
    return bodyTimeout;
  }

  /**
   * Longest gap between body bytes of a request while the router reads it (not while it holds the body back itself,
   * e.g. for a slow backend); default 30 s; 0 = off.
   */
  public RouterOptions setBodyTimeout(Duration bodyTimeout) {
    this.bodyTimeout = bodyTimeout;
    return this;
  }

  /** {@code router.websocket-idle-timeout}. */
  public Duration websocketIdleTimeout() {
    return websocketIdleTimeout;
  }

  public RouterOptions setWebsocketIdleTimeout(Duration websocketIdleTimeout) {
    this.websocketIdleTimeout = websocketIdleTimeout;
    return this;
  }

  /** {@code router.max-connections}; 0 = no limit. */
  public int maxConnections() {
    return maxConnections;
  }

  public RouterOptions setMaxConnections(int maxConnections) {
    this.maxConnections = maxConnections;
    return this;
  }

  @Override
  public String toString() {
    return "RouterOptions[" + host + ":" + port + ", proxy-protocol=" + (proxyProtocol ? "required" : "off")
        + ", sticky-secret=" + (stickySecret.isEmpty() ? "farm-key" : "set") + "]";
  }
}
