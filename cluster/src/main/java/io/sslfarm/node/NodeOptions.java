package io.sslfarm.node;

import static io.sslfarm.config.ConfigTypes.BOOLEAN;
import static io.sslfarm.config.ConfigTypes.DURATION_TYPE;
import static io.sslfarm.config.ConfigTypes.HOST_PORT_LIST;
import static io.sslfarm.config.ConfigTypes.PORT;
import static io.sslfarm.config.ConfigTypes.STRING;
import static io.sslfarm.config.ConfigTypes.intRange;
import static io.sslfarm.config.ConfigTypes.oneOf;

import io.sslfarm.cluster.HostPort;
import io.sslfarm.config.ConfigKey;
import java.time.Duration;
import java.util.List;

/** Keys every node has: identity, cluster membership, admin port. Tier keys live in each tier's options class. */
public final class NodeOptions {

  private NodeOptions() {
  }

  public static final ConfigKey<String> ID = ConfigKey.of("node.id", STRING, null,
      "node id, unique in the farm; empty = <role>-<host>-<data port>");
  public static final ConfigKey<String> ROLE = ConfigKey.of("node.role", oneOf("edge", "ssl", "router", "backend"),
      null, "what this node does: edge, ssl, router or backend (the command line usually sets it)");
  public static final ConfigKey<String> ADVERTISE_HOST = ConfigKey.of("node.advertise-host", STRING, "",
      "host other nodes use to reach this node's data and admin ports; empty = the listen host, or this host's first non-loopback IPv4"
          + " when listening on 0.0.0.0");
  public static final ConfigKey<String> DATA_DIR = ConfigKey.of("node.data-dir", STRING, ".sslfarm",
      "directory for the node's own files (generated admin token, dev CA)");
  public static final ConfigKey<Duration> DRAIN_TIMEOUT = ConfigKey.of("node.drain-timeout", DURATION_TYPE,
      Duration.ofSeconds(30), "on SIGTERM: how long to wait for open connections after turning DRAINING; 0 = do not wait");

  public static final ConfigKey<String> CLUSTER_MODE = ConfigKey.of("cluster.mode", oneOf("member", "client", "none"),
      "member", "member = embedded Hazelcast member; client = client of an external Hazelcast cluster (cluster.seeds);"
          + " none = no cluster (backend only)");
  public static final ConfigKey<String> CLUSTER_NAME = ConfigKey.of("cluster.name", STRING, "sslfarm",
      "farm name; members use it with the join secret to derive the Hazelcast cluster name (cluster.join-secret-file):"
          + " nodes with another name or another secret never join");
  public static final ConfigKey<String> CLUSTER_HOST = ConfigKey.of("cluster.host", STRING, "127.0.0.1",
      "interface the cluster member binds to (0.0.0.0 = all)");
  public static final ConfigKey<Integer> CLUSTER_PORT = ConfigKey.of("cluster.port", PORT, 5701,
      "first cluster port tried; the next free one up to +100 is used");
  public static final ConfigKey<String> CLUSTER_PUBLIC_ADDRESS = ConfigKey.of("cluster.public-address", STRING, "",
      "host[:port] other members use to reach this member; empty = the bind address");
  public static final ConfigKey<List<HostPort>> CLUSTER_SEEDS = ConfigKey.of("cluster.seeds", HOST_PORT_LIST,
      List.of(new HostPort("127.0.0.1", 5701)), "members to join through (TCP-IP join; multicast is off)");
  public static final ConfigKey<Duration> CLUSTER_HEARTBEAT = ConfigKey.of("cluster.heartbeat", DURATION_TYPE,
      Duration.ofSeconds(1), "member heartbeat interval");
  public static final ConfigKey<Duration> CLUSTER_MAX_NO_HEARTBEAT = ConfigKey.of("cluster.max-no-heartbeat",
      DURATION_TYPE, Duration.ofSeconds(5), "a member silent this long is removed (a hung member blocks map calls"
          + " until then)");
  public static final ConfigKey<String> MASTER_KEY_FILE = ConfigKey.of("cluster.master-key-file", STRING, "",
      "file with the farm master key (base64 of 32 bytes) that seals private and ticket keys; empty ="
          + " cluster.master-key, else <data-dir>/master.key created on first start");
  public static final ConfigKey<String> MASTER_KEY = ConfigKey.of("cluster.master-key", STRING, "",
      "the farm master key itself (base64); prefer the file or the environment variable; never logged");

  public static final ConfigKey<String> JOIN_SECRET_FILE = ConfigKey.of("cluster.join-secret-file", STRING, "",
      "file with the farm join secret (one line, at least 16 characters): only members with the same secret form one"
          + " cluster (the Hazelcast cluster name is derived from it and cluster.name); empty = cluster.join-secret, else"
          + " <data-dir>/join.secret created on first start (member mode; client mode uses no secret unless one is set)");
  public static final ConfigKey<String> JOIN_SECRET = ConfigKey.of("cluster.join-secret", STRING, "",
      "the farm join secret itself; prefer the file or the environment variable; never logged");
  public static final ConfigKey<Boolean> CLUSTER_ACCEPT_CLIENTS = ConfigKey.of("cluster.accept-clients", BOOLEAN, false,
      "member mode: the cluster port also accepts Hazelcast clients (e.g. farm nodes in cluster.mode: client, which"
          + " then need the same join secret); false = member protocol only, clients are refused");
  public static final ConfigKey<Boolean> STATE_ENABLED = ConfigKey.of("cluster.state.enabled", BOOLEAN, false,
      "keep the farm's durable state (certificates, sealed; farm config; node weights and drain) on this member's disk,"
          + " written through and loaded when the whole farm starts cold; false = in cluster memory only (sslfarm up"
          + " and the docker image turn it on)");
  public static final ConfigKey<String> STATE_DIR = ConfigKey.of("cluster.state.dir", STRING, "",
      "directory of the durable state (one sub-directory per map); empty = <node.data-dir>/state/<node.id>, or"
          + " <node.data-dir>/state without node.id");
  public static final ConfigKey<String> STATE_ON_CORRUPT = ConfigKey.of("cluster.state.on-corrupt",
      oneOf("refuse", "skip"), "refuse", "a state file that fails its checksum or is truncated: refuse = do not start,"
          + " naming the file; skip = start without that entry, log the file, rename it to *.corrupt and count it"
          + " (sslfarm.cluster.state.corrupt.files)");

  public static final ConfigKey<String> ADMIN_HOST = ConfigKey.of("admin.host", STRING, "127.0.0.1",
      "interface of the admin HTTP server (127.0.0.1 = this host only; the docker image sets 0.0.0.0)");
  public static final ConfigKey<Integer> ADMIN_PORT = ConfigKey.of("admin.port", PORT, 9900,
      "admin port (health, metrics, API; HTTPS with admin.tls); 0 = any free port");
  public static final ConfigKey<String> ADMIN_TOKEN = ConfigKey.of("admin.token", STRING, "",
      "full-access bearer token for /api/; empty = admin.token-file");
  public static final ConfigKey<String> ADMIN_TOKEN_FILE = ConfigKey.of("admin.token-file", STRING, "",
      "file holding the bearer token; empty = <data-dir>/admin.token, generated on first start");
  public static final ConfigKey<String> ADMIN_READ_TOKEN = ConfigKey.of("admin.read-token", STRING, "",
      "a second bearer token that may only GET (status, nodes, config, certificates list); any other method answers"
          + " 403; at least 16 characters, not the full-access token; empty = admin.read-token-file");
  public static final ConfigKey<String> ADMIN_READ_TOKEN_FILE = ConfigKey.of("admin.read-token-file", STRING, "",
      "file holding the read-only token; empty = no read-only token (only admin.token works)");
  public static final ConfigKey<String> ADMIN_TLS = ConfigKey.of("admin.tls", oneOf("auto", "on", "off"), "auto",
      "TLS (1.2/1.3) on the admin port. auto = on when admin.tls-cert-file is set or this node has a dev CA"
          + " (certs.dev-ca-dir, as `sslfarm up` creates), else plain HTTP with a warning; on = always (the cert"
          + " files, else a certificate from the dev CA, created if missing); off = plain HTTP: the token crosses the"
          + " network in clear (the docker image sets it; see README \"Security defaults\")");
  public static final ConfigKey<String> ADMIN_TLS_CERT_FILE = ConfigKey.of("admin.tls-cert-file", STRING, "",
      "PEM certificate chain of the admin port (leaf first); empty = issued at start by the dev CA for the admin"
          + " host, the advertised host, localhost and 127.0.0.1");
  public static final ConfigKey<String> ADMIN_TLS_KEY_FILE = ConfigKey.of("admin.tls-key-file", STRING, "",
      "PEM private key of admin.tls-cert-file (unencrypted PKCS#8, PKCS#1 or SEC1); required with it");
  public static final ConfigKey<String> SECRETS_PERMISSIONS = ConfigKey.of("node.secrets-permissions",
      oneOf("warn", "refuse"), "warn", "a master key, join secret or admin token file that group or others may read or write:"
          + " warn = log a warning and count it (sslfarm.secrets.insecure.permissions); refuse = do not start");
  public static final ConfigKey<Boolean> NATIVE_TRANSPORT = ConfigKey.of("node.native-transport", BOOLEAN, true,
      "use native epoll when available");
  public static final ConfigKey<Integer> EVENT_LOOPS = ConfigKey.of("node.event-loops", intRange(0, 1024), 0,
      "event-loop threads; 0 = one per CPU the JVM may use. Every node of one process (sslfarm up) shares the same"
          + " loops when native transport is on");
  public static final ConfigKey<Boolean> IN_PROCESS_HOPS = ConfigKey.of("node.in-process-hops", BOOLEAN, true,
      "a tier connecting to a listener of this same process (sslfarm up: edge -> SSL node -> router) uses an"
          + " in-process channel instead of loopback TCP: same bytes and PROXY header, no system calls; false = TCP");

  public static final List<ConfigKey<?>> KEYS = List.of(ID, ROLE, ADVERTISE_HOST, DATA_DIR, DRAIN_TIMEOUT,
      NATIVE_TRANSPORT, EVENT_LOOPS, IN_PROCESS_HOPS, SECRETS_PERMISSIONS, CLUSTER_MODE, CLUSTER_NAME, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_PUBLIC_ADDRESS, CLUSTER_SEEDS,
      CLUSTER_HEARTBEAT, CLUSTER_MAX_NO_HEARTBEAT, MASTER_KEY_FILE, MASTER_KEY, JOIN_SECRET_FILE, JOIN_SECRET,
      CLUSTER_ACCEPT_CLIENTS, STATE_ENABLED, STATE_DIR, STATE_ON_CORRUPT, ADMIN_HOST, ADMIN_PORT, ADMIN_TOKEN,
      ADMIN_TOKEN_FILE, ADMIN_READ_TOKEN, ADMIN_READ_TOKEN_FILE, ADMIN_TLS, ADMIN_TLS_CERT_FILE, ADMIN_TLS_KEY_FILE);
}
