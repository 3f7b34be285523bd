package io.sslfarm.certs;

import io.sslfarm.config.ConfigKey;
import io.sslfarm.config.ConfigTypes;
import io.sslfarm.config.NodeConfig;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * Certificate settings of a node ({@code certs.*} keys). Mutable builder-style options, validated by
 * {@link #validate()}; running code keeps its own copy.
 */
public final class CertsOptions {

  /** Default of {@link #setDefaultId}: no default certificate (a handshake without a matching name fails). */
  public static final String DEFAULT_DEFAULT_ID = "";
  /** Default of {@link #setExpiryWarningDays}: 30 days. */
  public static final int DEFAULT_EXPIRY_WARNING_DAYS = 30;
  /** Default of {@link #setDevCaDir}: empty = {@code <node.data-dir>/dev-ca}. */
  public static final String DEFAULT_DEV_CA_DIR = "";

  public static final ConfigKey<String> DEFAULT_ID = ConfigKey.of("certs.default-id", ConfigTypes.STRING,
      DEFAULT_DEFAULT_ID, "certificate id served when the client's SNI name matches no certificate (or it sent none);"
          + " empty = none, the handshake fails");
  public static final ConfigKey<Integer> EXPIRY_WARNING_DAYS = ConfigKey.of("certs.expiry-warning-days",
      ConfigTypes.intRange(0, 3650), DEFAULT_EXPIRY_WARNING_DAYS,
      "adding a certificate that expires within this many days succeeds with a warning; 0 = never warn");
  public static final ConfigKey<String> DEV_CA_DIR = ConfigKey.of("certs.dev-ca-dir", ConfigTypes.STRING,
      DEFAULT_DEV_CA_DIR, "directory of the development CA (ca.pem, ca.key) used by `certs gen`; empty ="
          + " <node.data-dir>/dev-ca");

  /** Default of {@code certs.dev-ca-enabled}: false, the admin API issues no certificate. */
  public static final boolean DEFAULT_DEV_CA_ENABLED = false;
  public static final ConfigKey<Boolean> DEV_CA_ENABLED = ConfigKey.of("certs.dev-ca-enabled", ConfigTypes.BOOLEAN,
      DEFAULT_DEV_CA_ENABLED, "let POST /api/certs/generate (`certs gen` without --out) issue certificates for any"
          + " name from this node's dev CA; for trying the farm only (`sslfarm up` turns it on); false = refused (403)");

  public static final List<ConfigKey<?>> KEYS = List.of(DEFAULT_ID, EXPIRY_WARNING_DAYS, DEV_CA_DIR, DEV_CA_ENABLED);

  private String defaultId = DEFAULT_DEFAULT_ID;
  private int expiryWarningDays = DEFAULT_EXPIRY_WARNING_DAYS;
  private String devCaDir = DEFAULT_DEV_CA_DIR;

  public CertsOptions() {
  }

  public CertsOptions(CertsOptions other) {
    this.defaultId = other.defaultId;
    this.expiryWarningDays = other.expiryWarningDays;
    this.devCaDir = other.devCaDir;
  }

  public CertsOptions(JsonObject json) {
    this.defaultId = json.getString("defaultId", DEFAULT_DEFAULT_ID);
    this.expiryWarningDays = json.getInteger("expiryWarningDays", DEFAULT_EXPIRY_WARNING_DAYS);
    this.devCaDir = json.getString("devCaDir", DEFAULT_DEV_CA_DIR);
  }

  /** Reads the {@code certs.*} keys of a validated node config. */
  public static CertsOptions fromConfig(NodeConfig config) {
    return new CertsOptions().setDefaultId(config.get(DEFAULT_ID))
        .setExpiryWarningDays(config.get(EXPIRY_WARNING_DAYS)).setDevCaDir(config.get(DEV_CA_DIR));
  }

  public JsonObject toJson() {
    return new JsonObject().put("defaultId", defaultId).put("expiryWarningDays", expiryWarningDays)
        .put("devCaDir", devCaDir);
  }

  /** Throws {@link IllegalArgumentException} naming the key path. */
  public CertsOptions validate() {
    if (!defaultId.isEmpty() && !io.sslfarm.certs.store.CertificateIds.isValid(defaultId)) {
      throw new IllegalArgumentException(DEFAULT_ID.path() + ": '" + defaultId + "' is not a certificate id ("
          + io.sslfarm.certs.store.CertificateIds.RULE + ")");
    }
    if (expiryWarningDays < 0) {
      throw new IllegalArgumentException(EXPIRY_WARNING_DAYS.path() + ": must be >= 0, got " + expiryWarningDays);
    }
    return this;
  }

  public String getDefaultId() {
    return defaultId;
  }

  /** Certificate id served when no name matches; default empty = none (the handshake fails). */
  public CertsOptions setDefaultId(String defaultId) {
    this.defaultId = defaultId == null ? "" : defaultId;
    return this;
  }

  public int getExpiryWarningDays() {
    return expiryWarningDays;
  }

  /** Days before expiry that an add warns; default 30; 0 = never warn. */
  public CertsOptions setExpiryWarningDays(int expiryWarningDays) {
    this.expiryWarningDays = expiryWarningDays;
    return this;
  }

  public String getDevCaDir() {
    return devCaDir;
  }

  /** Directory of the dev CA; default empty = {@code <node.data-dir>/dev-ca}. */
  public CertsOptions setDevCaDir(String devCaDir) {
    this.devCaDir = Objects.requireNonNullElse(devCaDir, "");
    return this;
  }
}
