package io.sslfarm.cluster;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * One entry of the node registry. Immutable; changes are new instances written through {@link NodeDirectory}.
 *
 * @param id            the node id, unique in the farm
 * @param role          what the node does
 * @param dataAddress   {@code host:port} where the node accepts downstream traffic
 * @param adminAddress  {@code host:port} of the node's admin HTTP server
 * @param weight        0–100; 0 means no new connections (existing ones continue)
 * @param state         ACTIVE or DRAINING
 * @param version       the sslfarm version the node runs
 * @param memberId      the cluster member (or client) id that owns the entry; the entry is removed when it leaves
 * @param startedAtMillis when the node started, epoch millis
 */
public record NodeInfo(String id, NodeRole role, String dataAddress, String adminAddress, int weight,
                       NodeState state, String version, String memberId, long startedAtMillis) {

  public static final int DEFAULT_WEIGHT = 10;
  public static final int MAX_WEIGHT = 100;

  public NodeInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(state, "state");
    checkWeight(weight);
  }

  public static void checkWeight(int weight) {
    if (weight < 0 || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException("weight must be 0–100, got " + weight);
    }
  }

  /** True if the node may be picked for a new connection: ACTIVE with a weight above 0. */
  public boolean acceptsNew() {
    return state == NodeState.ACTIVE && weight > 0;
  }

  public NodeInfo withWeight(int w) {
    return new NodeInfo(id, role, dataAddress, adminAddress, w, state, version, memberId, startedAtMillis);
  }

  public NodeInfo withState(NodeState s) {
    return new NodeInfo(id, role, dataAddress, adminAddress, weight, s, version, memberId, startedAtMillis);
  }

  /** The host part of {@link #dataAddress()}. */
  public String dataHost() {
    return HostPort.parse(dataAddress).host();
  }

  /** The port part of {@link #dataAddress()}. */
  public int dataPort() {
    return HostPort.parse(dataAddress).port();
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id).put("role", role.id()).put("dataAddress", dataAddress).put("adminAddress", adminAddress)
        .put("weight", weight).put("state", state.name()).put("version", version).put("memberId", memberId)
        .put("startedAt", startedAtMillis);
  }

  public static NodeInfo fromJson(JsonObject j) {
    return new NodeInfo(j.getString("id"), NodeRole.parse(j.getString("role")), j.getString("dataAddress"),
        j.getString("adminAddress"), j.getInteger("weight", DEFAULT_WEIGHT),
        NodeState.valueOf(j.getString("state", "ACTIVE")), j.getString("version"), j.getString("memberId"),
        j.getLong("startedAt", 0L));
  }
}
