package io.sslfarm.cluster;

import io.sslfarm.cluster.seal.Aad;
import io.vertx.core.json.JsonObject;
import java.util.Base64;

/**
 * A sealed set of session-ticket keys: previous (still decrypts), current (encrypts), next (decrypts, so tickets
 * from a node that rotated first are accepted).
 *
 * <p>The clear fields are bound into the seal ({@link #aad()}): a writer without the master key cannot change the
 * generation or the rotation times (to freeze rotation, or to make an old set look new) without the set failing to
 * open. What such a writer can still do is put back an older sealed set whole; readers refuse a generation that does
 * not increase (see the SSL tier's {@code TicketKeyManager}).
 *
 * @param generation     increases by one per rotation
 * @param sealedKeys     the sealed concatenation previous‖current‖next; its layout belongs to the SSL tier
 * @param rotatedAtMillis when this generation was made
 * @param nextRotationMillis when the leader will rotate next
 */
public record SealedTicketKeys(long generation, byte[] sealedKeys, long rotatedAtMillis, long nextRotationMillis) {

  /** The purpose label that starts the associated data; "v2" is the format that binds the metadata. */
  public static final String PURPOSE = "sslfarm/ticket-keys/v2";

  /** The associated data the key set is sealed with: purpose, generation, rotated-at, next-rotation. */
  public static byte[] aad(long generation, long rotatedAtMillis, long nextRotationMillis) {
    return Aad.of(PURPOSE).number(generation).number(rotatedAtMillis).number(nextRotationMillis).toBytes();
  }

  /** {@link #aad(long, long, long)} of this value's clear fields. */
  public byte[] aad() {
    return aad(generation, rotatedAtMillis, nextRotationMillis);
  }

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
