package io.sslfarm.cluster;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a node joins the cluster.
 *
 * @param name            cluster name; members with another name never join
 * @param mode            embedded member, or client of an external Hazelcast cluster
 * @param host            interface to bind (member mode); 0.0.0.0 = all
 * @param port            first port tried; the next free one up to +100 is used
 * @param publicAddress   address other members use to reach this one; null = bind address
 * @param seeds           members to join through (TCP-IP join, multicast off)
 * @param heartbeat       heartbeat interval
 * @param maxNoHeartbeat  a member silent this long is removed
 * @param joinSecret      the farm join secret; the Hazelcast cluster name is derived from it and {@code name}
 *                        ({@link #effectiveName()}); null = {@code name} as it is (no secret)
 * @param acceptClients   member mode: whether the member port also accepts Hazelcast clients; false = member
 *                        protocol only (Hazelcast clients are refused)
 */
public record ClusterOptions(String name, Mode mode, String host, int port, String publicAddress, List<HostPort> seeds,
                             Duration heartbeat, Duration maxNoHeartbeat, JoinSecret joinSecret,
                             boolean acceptClients) {

  public static final String DEFAULT_NAME = "sslfarm";
  public static final int DEFAULT_PORT = 5701;
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_MAX_NO_HEARTBEAT = Duration.ofSeconds(5);

  /** Embedded member or client. */
  public enum Mode {
    MEMBER, CLIENT
  }

  public ClusterOptions {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(mode, "mode");
    seeds = List.copyOf(seeds);
    if (maxNoHeartbeat.compareTo(heartbeat) <= 0) {
      throw new IllegalArgumentException("cluster.max-no-heartbeat must be longer than cluster.heartbeat");
    }
  }

  /** Without a join secret, members refusing clients. */
  public ClusterOptions(String name, Mode mode, String host, int port, String publicAddress, List<HostPort> seeds,
                        Duration heartbeat, Duration maxNoHeartbeat) {
    this(name, mode, host, port, publicAddress, seeds, heartbeat, maxNoHeartbeat, null, false);
  }

  /** A copy with {@code secret} as the join secret (null = none). */
  public ClusterOptions withJoinSecret(JoinSecret secret) {
    return new ClusterOptions(name, mode, host, port, publicAddress, seeds, heartbeat, maxNoHeartbeat, secret,
        acceptClients);
  }

  /** A copy whose member port does ({@code true}) or does not accept Hazelcast clients. */
  public ClusterOptions withAcceptClients(boolean accept) {
    return new ClusterOptions(name, mode, host, port, publicAddress, seeds, heartbeat, maxNoHeartbeat, joinSecret,
        accept);
  }

  /**
   * The Hazelcast cluster name: {@code name} with no join secret, else {@link JoinSecret#clusterName(String)}. Only a
   * process that knows the secret can compute it: never log it.
   */
  public String effectiveName() {
    return joinSecret == null ? name : joinSecret.clusterName(name);
  }

  /** A member on 127.0.0.1 joining the given seeds, with default timings. */
  public static ClusterOptions localMember(String name, int port, List<HostPort> seeds) {
    return new ClusterOptions(name, Mode.MEMBER, "127.0.0.1", port, null, seeds, DEFAULT_HEARTBEAT,
        DEFAULT_MAX_NO_HEARTBEAT);
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("mode", mode.name()).put("host", host).put("port", port)
        .put("publicAddress", publicAddress).put("seeds", seeds.stream().map(HostPort::toString).toList())
        .put("heartbeatMs", heartbeat.toMillis()).put("maxNoHeartbeatMs", maxNoHeartbeat.toMillis())
        .put("joinSecret", joinSecret == null ? null : joinSecret.id()).put("acceptClients", acceptClients);
  }
}
