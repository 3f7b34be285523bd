package io.sslfarm.farm.cli;

import io.sslfarm.farm.CliException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options and calls shared by the commands that talk to a node's admin API. */
public class AdminClient {

  @Option(names = "--admin", paramLabel = "HOST:PORT", description = "admin address of any node of the farm"
      + " (default: $SSLFARM_ADMIN or 127.0.0.1:9900)")
  String admin;

  @Option(names = "--token", paramLabel = "TOKEN", description = "admin bearer token (default: $SSLFARM_ADMIN_TOKEN,"
      + " else the --token-file)")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE", description = "file holding the admin token"
      + " (default: $SSLFARM_ADMIN_TOKEN_FILE, the node's own admin.token-file, else .sslfarm/admin.token)")
  Path tokenFile;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  String base() {
    String a = admin != null ? admin : System.getenv().getOrDefault("SSLFARM_ADMIN", "127.0.0.1:9900");
    return a.startsWith("http://") || a.startsWith("https://") ? a : "http://" + a;
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
      resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new CliException(1, "cannot reach the admin API at " + base() + " (is a node running? use --admin)");
    } catch (IOException e) {
      throw new CliException(1, "admin API at " + base() + ": " + e.getMessage());
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
