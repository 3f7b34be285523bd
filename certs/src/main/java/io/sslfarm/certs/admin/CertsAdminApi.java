package io.sslfarm.certs.admin;

import io.sslfarm.admin.AdminException;
import io.sslfarm.admin.AdminRequest;
import io.sslfarm.admin.AdminResponse;
import io.sslfarm.admin.AdminRoutes;
import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.certs.gen.KeyType;
import io.sslfarm.certs.sni.CertificateWatcher;
import io.sslfarm.certs.store.CertificateAdded;
import io.sslfarm.certs.store.CertificateIds;
import io.sslfarm.certs.store.CertificateService;
import io.sslfarm.certs.store.CertificateSummary;
import io.sslfarm.certs.validate.CertificateValidator;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The certificate endpoints of the admin API. Private keys go in (POST) and never come out.
 *
 * <pre>
 * GET    /api/certs             200 {"certificates": [summary…]}
 * GET    /api/certs/:id         200 summary + "chainPem"                          404 {"error"}
 * POST   /api/certs             {"id"?, "chainPem", "keyPem", "passphrase"?}
 *                               201 {"certificate": summary, "warnings": [..], "replaced": bool}
 *                               400 {"error", "reason"}
 * DELETE /api/certs/:id         200 {"id", "removed": true}                       404 {"error"}
 * POST   /api/certs/generate    {"names": [..], "id"?, "keyType"? ("ec-p256"), "validityDays"? (397)}
 *                               201 like POST /api/certs + "caPem" (the dev CA to trust)   400 {"error"}
 *                               403 {"error"} unless the node runs with certs.dev-ca-enabled (any name is issued)
 *
 * summary = {"id", "names": [], "subject", "issuer", "keyType", "notBefore", "notAfter" (ISO-8601 UTC), "daysLeft",
 *            "fingerprint" (SHA-256 hex), "version", "servedBy": [SSL node ids], "openError"? (this node could not
 *            open it: wrong master key…)}
 * </pre>
 *
 * Handlers run on the admin event loop and only read local snapshots there; validation, sealing, key generation and
 * dev-CA file access run in {@code executeBlocking}, cluster writes complete through their CompletionStage.
 */
public final class CertsAdminApi {

  /** Upper bound of {@code validityDays} for generated certificates. */
  public static final int MAX_VALIDITY_DAYS = 3650;
  private static final int MAX_NAMES = 100;

  private final CertificateService service;
  private final Vertx vertx;
  private final Path devCaDir;
  private final CertificateWatcher watcher;
  private volatile DevCa devCa;

  /**
   * @param devCaDir directory of this node's dev CA (created on first generate); null disables generate (403)
   * @param watcher  this node's watcher, to report certificates it cannot open; null on nodes that serve none
   */
  public CertsAdminApi(CertificateService service, Vertx vertx, Path devCaDir, CertificateWatcher watcher) {
    this.service = service;
    this.vertx = vertx;
    this.devCaDir = devCaDir;
    this.watcher = watcher;
  }

  /** Creates the API and adds its routes. */
  public static CertsAdminApi register(AdminRoutes routes, CertificateService service, Vertx vertx, Path devCaDir,
                                       CertificateWatcher watcher) {
    CertsAdminApi api = new CertsAdminApi(service, vertx, devCaDir, watcher);
    api.register(routes);
    return api;
  }

  public void register(AdminRoutes routes) {
    routes.route(HttpMethod.GET, "/api/certs", this::list);
    routes.route(HttpMethod.POST, "/api/certs", this::add);
    routes.route(HttpMethod.POST, "/api/certs/generate", this::generate);
    routes.route(HttpMethod.GET, "/api/certs/:id", this::get);
    routes.route(HttpMethod.DELETE, "/api/certs/:id", this::remove);
  }

  Future<AdminResponse> list(AdminRequest req) {
    Instant now = service.clock().instant();
    Map<String, CertificateWatcher.Failure> failures = watcher == null ? Map.of() : watcher.failures();
    JsonArray out = new JsonArray();
    for (CertificateSummary s : service.list()) {
      out.add(summaryJson(s, now, failures));
    }
    return Future.succeededFuture(AdminResponse.ok(new JsonObject().put("certificates", out)));
  }

  Future<AdminResponse> get(AdminRequest req) {
    String id = req.param("id");
    return service.get(id).map(s -> {
      JsonObject j = summaryJson(s, service.clock().instant(),
          watcher == null ? Map.of() : watcher.failures());
      service.chainPem(id).ifPresent(pem -> j.put("chainPem", pem));
      return Future.succeededFuture(AdminResponse.ok(j));
    }).orElseGet(() -> Future.succeededFuture(notFound(id)));
  }

  Future<AdminResponse> add(AdminRequest req) {
    JsonObject body = req.json();
    String id = string(body, "id", false);
    String chainPem = string(body, "chainPem", true);
    String keyPem = string(body, "keyPem", true);
    String passphrase = string(body, "passphrase", false);
    char[] pass = passphrase == null ? null : passphrase.toCharArray();
    Context ctx = vertx.getOrCreateContext();
    return vertx.<CompletionStage<CertificateAdded>>executeBlocking(() -> service.add(id, chainPem, keyPem, pass),
            false)
        .compose(stage -> Future.fromCompletionStage(stage, ctx))
        .map(added -> AdminResponse.json(201, addedJson(added)))
        .recover(CertsAdminApi::rejection);
  }

  Future<AdminResponse> generate(AdminRequest req) {
    if (devCaDir == null) {
      return Future.succeededFuture(AdminResponse.error(403, "certificate generation with the dev CA is disabled on"
          + " this node (certs.dev-ca-enabled: false; `sslfarm up` enables it); add a CA-issued certificate with"
          + " `certs add`, or issue one locally with `certs gen --out DIR`"));
    }
    JsonObject body = req.json();
    List<String> names = names(body);
    String id = string(body, "id", false);
    KeyType keyType;
    int validityDays;
    try {
      String kt = string(body, "keyType", false);
      keyType = kt == null ? KeyType.DEFAULT : KeyType.parse(kt);
      validityDays = body.getInteger("validityDays", (int) DevCa.DEFAULT_LEAF_VALIDITY.toDays());
    } catch (ClassCastException e) {
      throw new AdminException(400, "validityDays: expected an integer");
    } catch (IllegalArgumentException e) {
      throw new AdminException(400, "keyType: " + e.getMessage());
    }
    if (validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
      throw new AdminException(400, "validityDays: must be 1–" + MAX_VALIDITY_DAYS + ", got " + validityDays);
    }
    if (id != null && !CertificateIds.isValid(id)) {
      throw new AdminException(400, "id: '" + id + "' is invalid (" + CertificateIds.RULE + ")");
    }
    Context ctx = vertx.getOrCreateContext();
    int days = validityDays;
    return vertx.executeBlocking(() -> {
      DevCa ca = devCa();
      GeneratedCertificate g;
      try {
        g = ca.issue(names, Duration.ofDays(days), keyType);
      } catch (IllegalArgumentException e) {
        throw new AdminException(400, "names: " + e.getMessage());
      }
      var validated = new CertificateValidator(0, service.clock()).validate(g.chain(), g.key());
      return service.add(id, validated).thenApply(added -> new Object[] {added, ca.certificatePem()});
    }, false).compose(stage -> Future.fromCompletionStage(stage, ctx))
        .map(r -> AdminResponse.json(201, addedJson((CertificateAdded) r[0]).put("caPem", (String) r[1])))
        .recover(CertsAdminApi::rejection);
  }

  Future<AdminResponse> remove(AdminRequest req) {
    String id = req.param("id");
    Context ctx = vertx.getOrCreateContext();
    return Future.fromCompletionStage(service.remove(id), ctx)
        .map(removed -> removed ? AdminResponse.ok(new JsonObject().put("id", id).put("removed", true))
            : notFound(id));
  }

  private DevCa devCa() throws java.io.IOException {
    DevCa ca = devCa;
    if (ca == null) {
      synchronized (this) {
        ca = devCa;
        if (ca == null) {
          ca = DevCa.loadOrCreate(devCaDir);
          devCa = ca;
        }
      }
    }
    return ca;
  }

  private static AdminResponse notFound(String id) {
    return AdminResponse.error(404, "no certificate '" + id + "'");
  }

  private static Future<AdminResponse> rejection(Throwable t) {
    Throwable e = t;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof CertificateRejectedException r) {
      return Future.succeededFuture(AdminResponse.json(400,
          new JsonObject().put("error", r.getMessage()).put("reason", r.reason().tag())));
    }
    return Future.failedFuture(e);
  }

  private static JsonObject summaryJson(CertificateSummary s, Instant now,
                                        Map<String, CertificateWatcher.Failure> failures) {
    JsonObject j = s.toJson(now);
    CertificateWatcher.Failure f = failures.get(s.id());
    if (f != null) {
      j.put("openError", f.message());
    }
    return j;
  }

  private JsonObject addedJson(CertificateAdded added) {
    return new JsonObject().put("certificate", added.certificate().toJson(service.clock().instant()))
        .put("warnings", new JsonArray(added.warnings())).put("replaced", added.replaced());
  }

  private static String string(JsonObject body, String field, boolean required) {
    Object v = body.getValue(field);
    if (v == null || (v instanceof String s && s.isEmpty() && !required)) {
      if (required) {
        throw new AdminException(400, field + ": required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new AdminException(400, field + ": expected a string");
    }
    return s;
  }

  private static List<String> names(JsonObject body) {
    Object v = body.getValue("names");
    if (!(v instanceof JsonArray arr) || arr.isEmpty()) {
      throw new AdminException(400, "names: required, a non-empty list of DNS names or IP addresses");
    }
    if (arr.size() > MAX_NAMES) {
      throw new AdminException(400, "names: at most " + MAX_NAMES);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      if (!(arr.getValue(i) instanceof String s) || s.isBlank()) {
        throw new AdminException(400, "names[" + i + "]: expected a non-empty string");
      }
      out.add(s.trim());
    }
    return out;
  }
}
