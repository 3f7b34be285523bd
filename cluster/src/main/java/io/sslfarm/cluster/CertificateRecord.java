package io.sslfarm.cluster;

import io.sslfarm.cluster.seal.Aad;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A certificate as stored in the cluster. The private key is sealed (AES-256-GCM under the farm master key, see
 * {@link io.sslfarm.cluster.seal.SecretSealer}); nothing here is secret in clear.
 *
 * <p>The key is sealed with every other field as associated data ({@link #aad()}: id, version, SHA-256 of the chain
 * PEM, names, validity, fingerprint), so a key cannot be moved onto another id, another chain or other names, and a
 * record's version cannot be raised to make an old record look current. Readers additionally refuse versions that do
 * not increase (a whole old record put back).
 *
 * @param id            certificate id
 * @param chainPem      the chain, leaf first, PEM
 * @param sealedKey     the PKCS#8 private key, sealed
 * @param names         SAN DNS names (wildcards included), lower case
 * @param notBefore     validity start, epoch millis
 * @param notAfter      validity end, epoch millis
 * @param fingerprint   SHA-256 of the leaf certificate, hex
 * @param version       set by the table: a new id gets the creation time in epoch millis (so a certificate added
 *                      again after a removal is newer than the removed one, which readers still remember), and
 *                      every replacement the previous version + 1
 */
public record CertificateRecord(String id, String chainPem, byte[] sealedKey, List<String> names, long notBefore,
                                long notAfter, String fingerprint, long version) {

  public CertificateRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(chainPem, "chainPem");
    Objects.requireNonNull(sealedKey, "sealedKey");
    names = List.copyOf(names);
  }

  /** The purpose label that starts the associated data; "v2" is the format that binds the metadata. */
  public static final String PURPOSE = "sslfarm/cert/v2";

  /** The version a table gives a record: creation time for a new id, previous + 1 for a replacement. */
  public static long nextVersion(CertificateRecord previous, long nowMillis) {
    return previous == null ? Math.max(1, nowMillis) : previous.version() + 1;
  }

  /** SHA-256 of the chain PEM's UTF-8 bytes. */
  public static byte[] chainHash(String chainPem) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(chainPem.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The associated data the private key is sealed with: purpose, id, version, chain hash, names (in order), validity,
   * fingerprint. Everything but the sealed key itself.
   */
  public static byte[] aad(String id, long version, String chainPem, List<String> names, long notBefore,
                           long notAfter, String fingerprint) {
    return Aad.of(PURPOSE).text(id).number(version).bytes(chainHash(chainPem)).texts(names).number(notBefore)
        .number(notAfter).text(fingerprint).toBytes();
  }

  /** {@link #aad(String, long, String, List, long, long, String)} of this record's clear fields. */
  public byte[] aad() {
    return aad(id, version, chainPem, names, notBefore, notAfter, fingerprint);
  }

  public CertificateRecord withVersion(long v) {
    return new CertificateRecord(id, chainPem, sealedKey, names, notBefore, notAfter, fingerprint, v);
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("chainPem", chainPem)
        .put("sealedKey", Base64.getEncoder().encodeToString(sealedKey)).put("names", new JsonArray(names))
        .put("notBefore", notBefore).put("notAfter", notAfter).put("fingerprint", fingerprint).put("version", version);
  }

  public static CertificateRecord fromJson(JsonObject j) {
    return new CertificateRecord(j.getString("id"), j.getString("chainPem"),
        Base64.getDecoder().decode(j.getString("sealedKey")),
        j.getJsonArray("names", new JsonArray()).stream().map(String::valueOf).toList(), j.getLong("notBefore", 0L),
        j.getLong("notAfter", 0L), j.getString("fingerprint"), j.getLong("version", 0L));
  }
}
