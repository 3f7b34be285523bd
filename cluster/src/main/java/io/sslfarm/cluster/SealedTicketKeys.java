package io.sslfarm.cluster;

import io.vertx.core.json.JsonObject;
import java.util.Base64;

/**
 * A sealed set of session-ticket keys: previous (still decrypts), current (encrypts), next (decrypts, so tickets
 * from a node that rotated first are accepted).
 *
 * @param generation     increases by one per rotation
 * @param sealedKeys     the sealed concatenation previous‖current‖next; its layout belongs to the SSL tier
 * @param rotatedAtMillis when this generation was made
 * @param nextRotationMillis when the leader will rotate next
 */
public record SealedTicketKeys(long generation, byte[] sealedKeys, long rotatedAtMillis, long nextRotationMillis) {

  public JsonObject toJson() {
    return new JsonObject().put("generation", generation)
        .put("sealedKeys", Base64.getEncoder().encodeToString(sealedKeys)).put("rotatedAt", rotatedAtMillis)
        .put("nextRotation", nextRotationMillis);
  }

  public static SealedTicketKeys fromJson(JsonObject j) {
    return new SealedTicketKeys(j.getLong("generation"), Base64.getDecoder().decode(j.getString("sealedKeys")),
        j.getLong("rotatedAt", 0L), j.getLong("nextRotation", 0L));
  }
}
