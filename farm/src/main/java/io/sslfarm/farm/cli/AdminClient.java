package io.sslfarm.farm.cli;

import io.sslfarm.farm.CliException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/** Options and calls shared by the commands that talk to a node's admin API. */
public class AdminClient {

  @Option(names = "--admin", paramLabel = "[SCHEME://]HOST:PORT", description = "admin address of any node of the"
      + " farm (default: $SSLFARM_ADMIN or 127.0.0.1:9900). Without a scheme: https when an admin CA certificate is"
      + " known (--admin-cacert), else http")
  String admin;

  @Option(names = "--admin-cacert", paramLabel = "FILE", description = "PEM CA certificate(s) that the admin port's"
      + " certificate must chain to (default: $SSLFARM_ADMIN_CACERT, else dev-ca/ca.pem beside the token file or in"
      + " .sslfarm/, when it exists). https without any: the JDK's trusted CAs. The certificate is always verified")
  Path adminCaCert;

  @Option(names = "--token", paramLabel = "TOKEN", description = "admin bearer token (default: $SSLFARM_ADMIN_TOKEN,"
      + " else the --token-file)")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE", description = "file holding the admin token"
      + " (default: $SSLFARM_ADMIN_TOKEN_FILE, the node's own admin.token-file, else .sslfarm/admin.token)")
  Path tokenFile;

  private HttpClient http;

  String base() {
    String a = admin != null ? admin : System.getenv().getOrDefault("SSLFARM_ADMIN", "127.0.0.1:9900");
    if (a.startsWith("http://") || a.startsWith("https://")) {
      return a;
    }
    return (caCertFile() != null ? "https://" : "http://") + a;
  }

  /** --admin-cacert, else $SSLFARM_ADMIN_CACERT, else the dev CA beside the token file or in .sslfarm/; or null. */
  Path caCertFile() {
    if (adminCaCert != null) {
      return adminCaCert;
    }
    String env = System.getenv("SSLFARM_ADMIN_CACERT");
    if (env != null && !env.isBlank()) {
      return Path.of(env.trim());
    }
    Path tokenDir = token != null || tokenFileOrNull() == null ? null : tokenFileOrNull().toAbsolutePath().getParent();
    for (Path dir : new Path[] {tokenDir, Path.of(".sslfarm")}) {
      if (dir != null && Files.isRegularFile(dir.resolve("dev-ca").resolve("ca.pem"))) {
        return dir.resolve("dev-ca").resolve("ca.pem");
      }
    }
    return null;
  }

  private Path tokenFileOrNull() {
    if (tokenFile != null) {
      return tokenFile;
    }
    String env = System.getenv("SSLFARM_ADMIN_TOKEN");
    if (env != null && !env.isBlank()) {
      return null;
    }
    String envFile = System.getenv("SSLFARM_ADMIN_TOKEN_FILE");
    return envFile != null && !envFile.isBlank() ? Path.of(envFile.trim()) : Path.of(".sslfarm", "admin.token");
  }

  private HttpClient http() {
    if (http == null) {
      HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3));
      Path ca = caCertFile();
      if (ca != null && base().startsWith("https://")) {
        b.sslContext(trusting(ca));
      }
      http = b.build();
    }
    return http;
  }

  /** An SSLContext that trusts only the certificates in {@code caFile} (hostname verification stays on). */
  static SSLContext trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new CliException(2, "--admin-cacert " + caFile + ": no certificate in it");
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException e) {
      throw new CliException(2, "--admin-cacert " + caFile + ": cannot read it (" + e.getMessage() + ")");
    } catch (GeneralSecurityException e) {
      throw new CliException(2, "--admin-cacert " + caFile + ": not a PEM certificate (" + e.getMessage() + ")");
    }
  }

  String token() {
    if (token != null) {
      return token;
    }
    String env = System.getenv("SSLFARM_ADMIN_TOKEN");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    String envFile = System.getenv("SSLFARM_ADMIN_TOKEN_FILE"); // set on every node container: docker exec works
    Path f = tokenFile != null ? tokenFile
        : envFile != null && !envFile.isBlank() ? Path.of(envFile.trim()) : Path.of(".sslfarm", "admin.token");
    try {
      return Files.readString(f).trim();
    } catch (IOException e) {
      throw new CliException(2, "no admin token: give --token, set SSLFARM_ADMIN_TOKEN, or point --token-file at the"
          + " node's token file (" + f + " not readable)");
    }
  }

  /** Calls the API; a non-2xx answer becomes a CliException with the server's error message. */
  public String call(String method, String path, String body) {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(15))
        .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> resp;
    try {
      resp = http().send(req, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new CliException(1, "cannot reach the admin API at " + base() + " (is a node running? use --admin)");
    } catch (SSLHandshakeException e) {
      throw new CliException(1, "admin API at " + base() + ": TLS handshake failed (" + e.getMessage() + "): the"
          + " certificate is not trusted or not for this host; give the CA with --admin-cacert (for a dev CA:"
          + " <node.data-dir>/dev-ca/ca.pem)");
    } catch (SSLException e) {
      throw new CliException(1, "admin API at " + base() + ": no TLS on that port (" + e.getMessage() + "); if the"
          + " node runs with admin.tls: off, call it with --admin http://HOST:PORT (the token then crosses in clear)");
    } catch (IOException e) {
      String hint = base().startsWith("http://")
          ? " (if the admin port uses TLS, use --admin https://HOST:PORT and --admin-cacert)" : "";
      throw new CliException(1, "admin API at " + base() + ": " + e.getMessage() + hint);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(1, "interrupted");
    }
    if (resp.statusCode() / 100 != 2) {
      String msg = resp.body();
      try {
        msg = new JsonObject(resp.body()).getString("error", msg);
      } catch (DecodeException | ClassCastException ignored) {
        // not JSON
      }
      throw new CliException(1, method + " " + path + " -> " + resp.statusCode() + ": " + msg);
    }
    return resp.body();
  }

  public JsonObject object(String method, String path, String body) {
    return new JsonObject(call(method, path, body));
  }

  public JsonArray array(String method, String path, String body) {
    return new JsonArray(call(method, path, body));
  }
}
