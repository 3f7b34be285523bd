package io.sslfarm.certs.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * What the admin API and CLI show of a stored certificate. Never contains key material.
 *
 * @param id          certificate id
 * @param names       DNS names (wildcards included)
 * @param subject     the leaf's subject (RFC 2253), or empty if the stored chain does not parse
 * @param issuer      the leaf's issuer (RFC 2253), or empty
 * @param keyType     {@code EC P-256}, {@code RSA 2048}, …, or empty
 * @param notBefore   validity start
 * @param notAfter    validity end
 * @param fingerprint SHA-256 of the leaf, hex
 * @param version     incremented on every replacement
 * @param servedBy    ids of the ACTIVE SSL nodes (every one serves every certificate)
 */
public record CertificateSummary(String id, List<String> names, String subject, String issuer, String keyType,
                                 Instant notBefore, Instant notAfter, String fingerprint, long version,
                                 List<String> servedBy) {

  public CertificateSummary {
    names = List.copyOf(names);
    servedBy = List.copyOf(servedBy);
  }

  /** Whole days until expiry at {@code now} (negative once expired). */
  public long daysLeft(Instant now) {
    return Math.floorDiv(notAfter.toEpochMilli() - now.toEpochMilli(), 86_400_000L);
  }

  /**
   * {@code {"id", "names":[], "subject", "issuer", "keyType", "notBefore", "notAfter" (ISO-8601), "daysLeft",
   * "fingerprint", "version", "servedBy":[]}}.
   */
  public JsonObject toJson(Instant now) {
    return new JsonObject().put("id", id).put("names", new JsonArray(names)).put("subject", subject)
        .put("issuer", issuer).put("keyType", keyType).put("notBefore", notBefore.toString())
        .put("notAfter", notAfter.toString()).put("daysLeft", daysLeft(now)).put("fingerprint", fingerprint)
        .put("version", version).put("servedBy", new JsonArray(servedBy));
  }
}
