package io.sslfarm.edge;

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
import io.sslfarm.net.AccessRule;
import io.sslfarm.net.AccessRules;
import io.sslfarm.net.CidrSet;
import java.time.Duration;
import java.util.List;

/**
 * Options of the edge tier. Built from the node file with {@link #from(NodeConfig)} (keys under {@code edge.}) or
 * fluently in tests; {@link #validate()} once before use. Instances are not shared while being changed: the tier
 * keeps its own copy.
 */
public final class EdgeOptions {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 8443;
  public static final String DEFAULT_BALANCE = "p2c";
  public static final int DEFAULT_MAX_CONNECTIONS = 65_536;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
  public static final int DEFAULT_CONNECT_RETRIES = 2;
  public static final int DEFAULT_PENDING_BYTES = 64 * 1024;
  public static final int DEFAULT_SOURCE_TABLE_SIZE = 100_000;
  /**
   * Open connections per source. A browser keeps a handful per site (about 6 over HTTP/1.1, 1 over h2), so 1024 is
   * room for a CGNAT address or an office NAT with a few hundred users, while one host cannot hold a large share of
   * {@link #DEFAULT_MAX_CONNECTIONS}.
   */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_SOURCE = 1024;
  /**
   * New connections per second per source (burst the same). Each costs an SSL node a full or resumed handshake; 256/s
   * is far above what a NAT of people opens, and bounds one source at a small share of a node's handshake rate.
   */
  public static final int DEFAULT_MAX_NEW_PER_SECOND_PER_SOURCE = 256;
  /** Loopback: the local bench ({@code sslfarm bench}), health probes and tests are never throttled. */
  public static final List<String> DEFAULT_PER_SOURCE_EXEMPT = List.of("127.0.0.0/8", "::1/128");
  public static final int DEFAULT_PER_SOURCE_IPV4_PREFIX = 32;
  /** One IPv6 host usually owns a whole /64 (SLAAC, RFC 8981 temporary addresses): count the /64, not the /128. */
  public static final int DEFAULT_PER_SOURCE_IPV6_PREFIX = 64;
  public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(1);
  public static final int DEFAULT_HEALTH_RISE = 2;
  public static final int DEFAULT_HEALTH_FALL = 2;

  public static final ConfigKey<String> HOST = ConfigKey.of("edge.host", STRING, DEFAULT_HOST,
      "interface the edge listens on for client connections");
  public static final ConfigKey<Integer> PORT_KEY = ConfigKey.of("edge.port", PORT, DEFAULT_PORT,
      "client-facing TCP port; 0 = any free port");
  public static final ConfigKey<String> BALANCE = ConfigKey.of("edge.balance", oneOf("p2c", "maglev", "round-robin"),
      DEFAULT_BALANCE, "SSL node choice: p2c = weighted least-connections of two random picks; maglev = consistent"
          + " hashing on the client address (same choice on every edge); round-robin = smooth weighted round robin");
  public static final ConfigKey<Boolean> ACCEPT_PROXY = ConfigKey.of("edge.accept-proxy", BOOLEAN, false,
      "expect a PROXY v2 header (v1 is refused) from edge.trusted-proxies (a balancer in front) and forward that client address");
  public static final ConfigKey<List<String>> TRUSTED_PROXIES = ConfigKey.of("edge.trusted-proxies", STRING_LIST,
      List.of(), "CIDRs whose connections must start with a PROXY header when edge.accept-proxy is on; other"
          + " sources are direct clients");
  public static final ConfigKey<List<AccessRule>> ACL = ConfigKey.of("edge.acl", AccessRules.RULES_TYPE, List.of(),
      "ordered rules, first match wins: [{action: deny, cidr: 10.1.0.0/16}, 'allow 10.0.0.0/8']");
  public static final ConfigKey<String> ACL_DEFAULT = ConfigKey.of("edge.acl-default", oneOf("allow", "deny"),
      "allow", "action when no ACL rule matches");
  public static final ConfigKey<Integer> MAX_CONNECTIONS_PER_SOURCE = ConfigKey.of("edge.max-connections-per-source",
      intRange(0, Integer.MAX_VALUE), DEFAULT_MAX_CONNECTIONS_PER_SOURCE,
      "open connections per source (a client address cut to edge.per-source-ipv4-prefix / -ipv6-prefix; HAProxy"
          + " sc_conn_cur, which has no default); the default leaves room for a NAT of a few hundred users; over it a"
          + " new connection is closed before a byte is relayed (rejected{reason=limit_conn}); 0 = unlimited");
  public static final ConfigKey<Integer> MAX_NEW_PER_SECOND_PER_SOURCE = ConfigKey.of(
      "edge.max-new-per-second-per-source", intRange(0, Integer.MAX_VALUE), DEFAULT_MAX_NEW_PER_SECOND_PER_SOURCE,
      "new connections per second per source (token bucket, burst = 1 s worth; HAProxy sc_conn_rate, Envoy local"
          + " rate limit, neither with a default); each costs an SSL node a handshake; over it a new connection is"
          + " closed (rejected{reason=limit_rate}); 0 = unlimited");
  public static final ConfigKey<List<String>> PER_SOURCE_EXEMPT = ConfigKey.of("edge.per-source-exempt", STRING_LIST,
      DEFAULT_PER_SOURCE_EXEMPT, "client CIDRs the per-source limits never apply to (nor track); default loopback, so"
          + " sslfarm bench and local tests run unthrottled; add a load generator's or an internal network's CIDR"
          + " here, [] limits every source. With edge.accept-proxy the client address is the one in the PROXY header");
  public static final ConfigKey<Integer> PER_SOURCE_IPV4_PREFIX = ConfigKey.of("edge.per-source-ipv4-prefix",
      intRange(1, 32), DEFAULT_PER_SOURCE_IPV4_PREFIX,
      "IPv4 clients sharing this prefix are one source for the per-source limits; 32 = each address");
  public static final ConfigKey<Integer> PER_SOURCE_IPV6_PREFIX = ConfigKey.of("edge.per-source-ipv6-prefix",
      intRange(1, 128), DEFAULT_PER_SOURCE_IPV6_PREFIX,
      "IPv6 clients sharing this prefix are one source for the per-source limits; 64 because one host usually owns"
          + " a whole /64 (SLAAC, temporary addresses) and could otherwise rotate through 2^64 budgets; 128 = each"
          + " address");
  public static final ConfigKey<Integer> SOURCE_TABLE_SIZE = ConfigKey.of("edge.source-table-size",
      intRange(16, Integer.MAX_VALUE), DEFAULT_SOURCE_TABLE_SIZE,
      "client addresses tracked for the per-source limits; idle ones are evicted first, a full table of sources with"
          + " open connections refuses new sources");
  public static final ConfigKey<Integer> MAX_CONNECTIONS = ConfigKey.of("edge.max-connections",
      intRange(0, Integer.MAX_VALUE), DEFAULT_MAX_CONNECTIONS, "open client connections on this edge; 0 = unlimited");
  public static final ConfigKey<Duration> CONNECT_TIMEOUT = ConfigKey.of("edge.connect-timeout", DURATION_TYPE,
      DEFAULT_CONNECT_TIMEOUT, "TCP connect to an SSL node (also the PROXY header wait from a balancer)");
  public static final ConfigKey<Duration> IDLE_TIMEOUT = ConfigKey.of("edge.idle-timeout", DURATION_TYPE,
      DEFAULT_IDLE_TIMEOUT, "close a relayed connection with no byte in either direction for this long; 0 = never");
  public static final ConfigKey<Integer> CONNECT_RETRIES = ConfigKey.of("edge.connect-retries", intRange(0, 10),
      DEFAULT_CONNECT_RETRIES, "other SSL nodes tried after a failed connect (before any byte was relayed)");
  public static final ConfigKey<Integer> PENDING_BYTES = ConfigKey.of("edge.pending-bytes", intRange(0, 16 << 20),
      DEFAULT_PENDING_BYTES, "client bytes held while connecting upstream; beyond that reading pauses (bytes)");
  public static final ConfigKey<Duration> HEALTH_INTERVAL = ConfigKey.of("edge.health.interval", DURATION_TYPE,
      DEFAULT_HEALTH_INTERVAL, "active health check period per SSL node");
  public static final ConfigKey<Duration> HEALTH_TIMEOUT = ConfigKey.of("edge.health.timeout", DURATION_TYPE,
      DEFAULT_HEALTH_TIMEOUT, "a check that has not succeeded within this time failed");
  public static final ConfigKey<Integer> HEALTH_RISE = ConfigKey.of("edge.health.rise", intRange(1, 100),
      DEFAULT_HEALTH_RISE, "consecutive successes that bring a DOWN node back (a new node is up after its first)");
  public static final ConfigKey<Integer> HEALTH_FALL = ConfigKey.of("edge.health.fall", intRange(1, 100),
      DEFAULT_HEALTH_FALL, "consecutive failures that take a node out");
  public static final ConfigKey<Boolean> HEALTH_TLS = ConfigKey.of("edge.health.tls", BOOLEAN, false,
      "also complete a TLS handshake (after a PROXY v2 LOCAL header; certificate not verified)");

  public static final List<ConfigKey<?>> KEYS = List.of(HOST, PORT_KEY, BALANCE, ACCEPT_PROXY, TRUSTED_PROXIES, ACL,
      ACL_DEFAULT, MAX_CONNECTIONS_PER_SOURCE, MAX_NEW_PER_SECOND_PER_SOURCE, PER_SOURCE_EXEMPT, PER_SOURCE_IPV4_PREFIX,
      PER_SOURCE_IPV6_PREFIX, SOURCE_TABLE_SIZE, MAX_CONNECTIONS,
      CONNECT_TIMEOUT, IDLE_TIMEOUT, CONNECT_RETRIES, PENDING_BYTES, HEALTH_INTERVAL, HEALTH_TIMEOUT, HEALTH_RISE,
      HEALTH_FALL, HEALTH_TLS);

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private String balance = DEFAULT_BALANCE;
  private boolean acceptProxy;
  private List<String> trustedProxies = List.of();
  private List<AccessRule> acl = List.of();
  private boolean aclDefaultAllow = true;
  private int maxConnectionsPerSource = DEFAULT_MAX_CONNECTIONS_PER_SOURCE;
  private int maxNewPerSecondPerSource = DEFAULT_MAX_NEW_PER_SECOND_PER_SOURCE;
  private List<String> perSourceExempt = DEFAULT_PER_SOURCE_EXEMPT;
  private int perSourceIpv4Prefix = DEFAULT_PER_SOURCE_IPV4_PREFIX;
  private int perSourceIpv6Prefix = DEFAULT_PER_SOURCE_IPV6_PREFIX;
  private int sourceTableSize = DEFAULT_SOURCE_TABLE_SIZE;
  private int maxConnections = DEFAULT_MAX_CONNECTIONS;
  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
  private int connectRetries = DEFAULT_CONNECT_RETRIES;
  private int pendingBytes = DEFAULT_PENDING_BYTES;
  private Duration healthInterval = DEFAULT_HEALTH_INTERVAL;
  private Duration healthTimeout = DEFAULT_HEALTH_TIMEOUT;
  private int healthRise = DEFAULT_HEALTH_RISE;
  private int healthFall = DEFAULT_HEALTH_FALL;
  private boolean healthTls;

  public EdgeOptions() {
  }

  public EdgeOptions(EdgeOptions o) {
    host = o.host;
    port = o.port;
    balance = o.balance;
    acceptProxy = o.acceptProxy;
    trustedProxies = o.trustedProxies;
    acl = o.acl;
    aclDefaultAllow = o.aclDefaultAllow;
    maxConnectionsPerSource = o.maxConnectionsPerSource;
    maxNewPerSecondPerSource = o.maxNewPerSecondPerSource;
    perSourceExempt = o.perSourceExempt;
    perSourceIpv4Prefix = o.perSourceIpv4Prefix;
    perSourceIpv6Prefix = o.perSourceIpv6Prefix;
    sourceTableSize = o.sourceTableSize;
    maxConnections = o.maxConnections;
    connectTimeout = o.connectTimeout;
    idleTimeout = o.idleTimeout;
    connectRetries = o.connectRetries;
    pendingBytes = o.pendingBytes;
    healthInterval = o.healthInterval;
    healthTimeout = o.healthTimeout;
    healthRise = o.healthRise;
    healthFall = o.healthFall;
    healthTls = o.healthTls;
  }

  /** Reads every {@code edge.*} key (values are already type-checked by the loader) and validates. */
  public static EdgeOptions from(NodeConfig c) {
    return new EdgeOptions().setHost(c.get(HOST)).setPort(c.get(PORT_KEY)).setBalance(c.get(BALANCE))
        .setAcceptProxy(c.get(ACCEPT_PROXY)).setTrustedProxies(c.get(TRUSTED_PROXIES)).setAcl(c.get(ACL))
        .setAclDefaultAllow("allow".equals(c.get(ACL_DEFAULT)))
        .setMaxConnectionsPerSource(c.get(MAX_CONNECTIONS_PER_SOURCE))
        .setMaxNewPerSecondPerSource(c.get(MAX_NEW_PER_SECOND_PER_SOURCE))
        .setPerSourceExempt(c.get(PER_SOURCE_EXEMPT)).setPerSourceIpv4Prefix(c.get(PER_SOURCE_IPV4_PREFIX))
        .setPerSourceIpv6Prefix(c.get(PER_SOURCE_IPV6_PREFIX))
        .setSourceTableSize(c.get(SOURCE_TABLE_SIZE)).setMaxConnections(c.get(MAX_CONNECTIONS))
        .setConnectTimeout(c.get(CONNECT_TIMEOUT)).setIdleTimeout(c.get(IDLE_TIMEOUT))
        .setConnectRetries(c.get(CONNECT_RETRIES)).setPendingBytes(c.get(PENDING_BYTES))
        .setHealthInterval(c.get(HEALTH_INTERVAL)).setHealthTimeout(c.get(HEALTH_TIMEOUT))
        .setHealthRise(c.get(HEALTH_RISE)).setHealthFall(c.get(HEALTH_FALL)).setHealthTls(c.get(HEALTH_TLS))
        .validate();
  }

  /** Checks cross-key constraints; the message names the key. Returns this. */
  public EdgeOptions validate() {
    if (!List.of("p2c", "maglev", "round-robin").contains(balance)) {
      throw new ConfigException(BALANCE.path(), "expected p2c, maglev or round-robin, got '" + balance + "'");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException(PORT_KEY.path(), "port out of range 0–65535: " + port);
    }
    trustedCidrs();
    perSourceExemptCidrs();
    if (perSourceIpv4Prefix < 1 || perSourceIpv4Prefix > 32) {
      throw new ConfigException(PER_SOURCE_IPV4_PREFIX.path(), "must be between 1 and 32, got " + perSourceIpv4Prefix);
    }
    if (perSourceIpv6Prefix < 1 || perSourceIpv6Prefix > 128) {
      throw new ConfigException(PER_SOURCE_IPV6_PREFIX.path(), "must be between 1 and 128, got " + perSourceIpv6Prefix);
    }
    if (acceptProxy && trustedProxies.isEmpty()) {
      throw new ConfigException(TRUSTED_PROXIES.path(), "edge.accept-proxy is on but no trusted proxy CIDR is set");
    }
    positive(CONNECT_TIMEOUT, connectTimeout);
    positive(HEALTH_INTERVAL, healthInterval);
    positive(HEALTH_TIMEOUT, healthTimeout);
    if (idleTimeout.isNegative()) {
      throw new ConfigException(IDLE_TIMEOUT.path(), "must not be negative");
    }
    if (healthRise < 1 || healthFall < 1) {
      throw new ConfigException(healthRise < 1 ? HEALTH_RISE.path() : HEALTH_FALL.path(), "must be at least 1");
    }
    if (maxConnectionsPerSource < 0 || maxNewPerSecondPerSource < 0 || maxConnections < 0 || connectRetries < 0) {
      throw new ConfigException("edge", "limits must not be negative");
    }
    return this;
  }

  private static void positive(ConfigKey<Duration> key, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new ConfigException(key.path(), "must be greater than 0");
    }
  }

  /** The parsed {@link #getTrustedProxies()}; errors name {@code edge.trusted-proxies[i]}. */
  public CidrSet trustedCidrs() {
    return CidrSet.parse(TRUSTED_PROXIES.path(), trustedProxies);
  }

  /** The parsed {@link #getPerSourceExempt()}; errors name {@code edge.per-source-exempt[i]}. */
  public CidrSet perSourceExemptCidrs() {
    return CidrSet.parse(PER_SOURCE_EXEMPT.path(), perSourceExempt);
  }

  public String getHost() {
    return host;
  }

  /** Listen interface. Default {@value #DEFAULT_HOST}. */
  public EdgeOptions setHost(String host) {
    this.host = host;
    return this;
  }

  public int getPort() {
    return port;
  }

  /** Listen port. Default {@value #DEFAULT_PORT}; 0 = any free port. */
  public EdgeOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public String getBalance() {
    return balance;
  }

  /** {@code p2c} (default), {@code maglev} or {@code round-robin}. */
  public EdgeOptions setBalance(String balance) {
    this.balance = balance;
    return this;
  }

  public boolean isAcceptProxy() {
    return acceptProxy;
  }

  /** Expect a PROXY header from the trusted proxies. Default false. */
  public EdgeOptions setAcceptProxy(boolean acceptProxy) {
    this.acceptProxy = acceptProxy;
    return this;
  }

  public List<String> getTrustedProxies() {
    return trustedProxies;
  }

  /** CIDRs of balancers in front of the edge. Default empty. */
  public EdgeOptions setTrustedProxies(List<String> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
    return this;
  }

  public List<AccessRule> getAcl() {
    return acl;
  }

  /** Ordered ACL rules, first match wins. Default empty (only the default action applies). */
  public EdgeOptions setAcl(List<AccessRule> acl) {
    this.acl = List.copyOf(acl);
    return this;
  }

  public boolean isAclDefaultAllow() {
    return aclDefaultAllow;
  }

  /** Action when no rule matches. Default allow. */
  public EdgeOptions setAclDefaultAllow(boolean aclDefaultAllow) {
    this.aclDefaultAllow = aclDefaultAllow;
    return this;
  }

  public int getMaxConnectionsPerSource() {
    return maxConnectionsPerSource;
  }

  /** Open connections per source. Default {@value #DEFAULT_MAX_CONNECTIONS_PER_SOURCE}; 0 = unlimited. */
  public EdgeOptions setMaxConnectionsPerSource(int v) {
    this.maxConnectionsPerSource = v;
    return this;
  }

  public int getMaxNewPerSecondPerSource() {
    return maxNewPerSecondPerSource;
  }

  /**
   * New connections per second per source, burst one second's worth. Default
   * {@value #DEFAULT_MAX_NEW_PER_SECOND_PER_SOURCE}; 0 = unlimited.
   */
  public EdgeOptions setMaxNewPerSecondPerSource(int v) {
    this.maxNewPerSecondPerSource = v;
    return this;
  }

  public List<String> getPerSourceExempt() {
    return perSourceExempt;
  }

  /** Client CIDRs the per-source limits never apply to. Default loopback; empty = every source is limited. */
  public EdgeOptions setPerSourceExempt(List<String> cidrs) {
    this.perSourceExempt = List.copyOf(cidrs);
    return this;
  }

  public int getPerSourceIpv4Prefix() {
    return perSourceIpv4Prefix;
  }

  /** IPv4 prefix length of one source, 1–32. Default {@value #DEFAULT_PER_SOURCE_IPV4_PREFIX}: each address. */
  public EdgeOptions setPerSourceIpv4Prefix(int bits) {
    this.perSourceIpv4Prefix = bits;
    return this;
  }

  public int getPerSourceIpv6Prefix() {
    return perSourceIpv6Prefix;
  }

  /** IPv6 prefix length that makes one source, 1–128. Default {@value #DEFAULT_PER_SOURCE_IPV6_PREFIX}. */
  public EdgeOptions setPerSourceIpv6Prefix(int bits) {
    this.perSourceIpv6Prefix = bits;
    return this;
  }

  public int getSourceTableSize() {
    return sourceTableSize;
  }

  /** Client addresses tracked for the per-source limits. Default {@value #DEFAULT_SOURCE_TABLE_SIZE}. */
  public EdgeOptions setSourceTableSize(int v) {
    this.sourceTableSize = v;
    return this;
  }

  public int getMaxConnections() {
    return maxConnections;
  }

  /** Open client connections on this edge. Default {@value #DEFAULT_MAX_CONNECTIONS}; 0 = unlimited. */
  public EdgeOptions setMaxConnections(int v) {
    this.maxConnections = v;
    return this;
  }

  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  /** Upstream connect timeout. Default 2 s; must be above 0. */
  public EdgeOptions setConnectTimeout(Duration v) {
    this.connectTimeout = v;
    return this;
  }

  public Duration getIdleTimeout() {
    return idleTimeout;
  }

  /** Idle timeout of a relayed connection. Default 5 min; 0 = never. */
  public EdgeOptions setIdleTimeout(Duration v) {
    this.idleTimeout = v;
    return this;
  }

  public int getConnectRetries() {
    return connectRetries;
  }

  /** Other nodes tried after a failed upstream connect. Default {@value #DEFAULT_CONNECT_RETRIES}; 0 = none. */
  public EdgeOptions setConnectRetries(int v) {
    this.connectRetries = v;
    return this;
  }

  public int getPendingBytes() {
    return pendingBytes;
  }

  /** Client bytes held while connecting upstream, in bytes. Default 64 KiB; 0 = do not read until connected. */
  public EdgeOptions setPendingBytes(int v) {
    this.pendingBytes = v;
    return this;
  }

  public Duration getHealthInterval() {
    return healthInterval;
  }

  /** Health check period. Default 2 s. */
  public EdgeOptions setHealthInterval(Duration v) {
    this.healthInterval = v;
    return this;
  }

  public Duration getHealthTimeout() {
    return healthTimeout;
  }

  /** Health check timeout. Default 1 s. */
  public EdgeOptions setHealthTimeout(Duration v) {
    this.healthTimeout = v;
    return this;
  }

  public int getHealthRise() {
    return healthRise;
  }

  /** Successes that bring a DOWN node back. Default {@value #DEFAULT_HEALTH_RISE}. */
  public EdgeOptions setHealthRise(int v) {
    this.healthRise = v;
    return this;
  }

  public int getHealthFall() {
    return healthFall;
  }

  /** Failures that take a node out. Default {@value #DEFAULT_HEALTH_FALL}. */
  public EdgeOptions setHealthFall(int v) {
    this.healthFall = v;
    return this;
  }

  public boolean isHealthTls() {
    return healthTls;
  }

  /** Also complete a TLS handshake in the health check. Default false. */
  public EdgeOptions setHealthTls(boolean v) {
    this.healthTls = v;
    return this;
  }
}
