package io.sslfarm.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A certificate as stored in the cluster. The private key is sealed (AES-256-GCM under the farm master key, see
 * {@link io.sslfarm.cluster.seal.SecretSealer}); nothing here is secret in clear.
 *
 * @param id            certificate id
 * @param chainPem      the chain, leaf first, PEM
 * @param sealedKey     the PKCS#8 private key, sealed
 * @param names         SAN DNS names (wildcards included), lower case
 * @param notBefore     validity start, epoch millis
 * @param notAfter      validity end, epoch millis
 * @param fingerprint   SHA-256 of the leaf certificate, hex
 * @param version       incremented on every replacement
 */
public record CertificateRecord(String id, String chainPem, byte[] sealedKey, List<String> names, long notBefore,
                                long notAfter, String fingerprint, long version) {

  public CertificateRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(chainPem, "chainPem");
    Objects.requireNonNull(sealedKey, "sealedKey");
    names = List.copyOf(names);
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
