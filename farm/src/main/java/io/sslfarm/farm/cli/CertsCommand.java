package io.sslfarm.farm.cli;

import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.farm.CliException;
import io.sslfarm.node.SecretFiles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sslfarm certs add|list|rm|gen}: manage the farm's certificates through any node's admin API. */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Manage certificates: they are validated, their keys sealed, and every SSL node serves them.")
public final class CertsCommand {

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Validate and store a certificate chain with its private key (replaces one with the same id).")
  int add(@Mixin AdminClient client,
          @Option(names = "--cert", required = true, paramLabel = "CHAIN.pem", description = "chain, leaf first") Path cert,
          @Option(names = "--key", required = true, paramLabel = "KEY.pem",
              description = "private key: PKCS#8, PKCS#1 RSA, SEC1 EC, or encrypted PKCS#8") Path key,
          @Option(names = "--id", paramLabel = "ID", description = "certificate id (default: from the first name)")
          String id,
          @Option(names = "--passphrase-file", paramLabel = "FILE", description = "passphrase of an encrypted key")
          Path passphraseFile) {
    JsonObject body = new JsonObject().put("chainPem", read(cert)).put("keyPem", read(key));
    if (id != null) {
      body.put("id", id);
    }
    if (passphraseFile != null) {
      body.put("passphrase", read(passphraseFile).strip());
    }
    JsonObject r = client.object("POST", "/api/certs", body.encode());
    printAdded(r);
    return 0;
  }

  @Command(name = "gen", mixinStandardHelpOptions = true,
      description = "Issue a certificate for NAMES from a development CA. With --out, write PEM files locally"
          + " (no farm needed); otherwise the node's dev CA issues it and the farm stores it.")
  int gen(@Mixin AdminClient client,
          @Parameters(arity = "1..*", paramLabel = "NAMES", description = "DNS names (wildcards allowed) or IPs")
          List<String> names,
          @Option(names = "--out", paramLabel = "DIR", description = "write ca.pem, <id>.pem, <id>.key here") Path out,
          @Option(names = "--id", paramLabel = "ID") String id) throws IOException {
    if (out != null) {
      DevCa ca = DevCa.loadOrCreate(out.resolve("ca"));
      GeneratedCertificate g = ca.issue(names.toArray(String[]::new));
      String base = id != null ? id : names.get(0).replace("*", "wildcard").replaceAll("[^A-Za-z0-9._-]", "_");
      Files.writeString(out.resolve(base + ".pem"), g.chainPem(), StandardCharsets.US_ASCII);
      Path keyFile = out.resolve(base + ".key");
      SecretFiles.replace(keyFile, g.keyPem());
      Files.writeString(out.resolve("ca.pem"), ca.certificatePem(), StandardCharsets.US_ASCII);
      spec.commandLine().getOut().println("wrote " + out.resolve(base + ".pem") + ", " + keyFile + " and "
          + out.resolve("ca.pem") + " (trust this CA in clients)");
      return 0;
    }
    JsonObject body = new JsonObject().put("names", new JsonArray(names));
    if (id != null) {
      body.put("id", id);
    }
    printAdded(client.object("POST", "/api/certs/generate", body.encode()));
    return 0;
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List certificates: names, expiry, fingerprint, which SSL nodes serve them.")
  int list(@Mixin AdminClient client, @Option(names = "--json") boolean json) {
    JsonObject r = client.object("GET", "/api/certs", null);
    if (json) {
      spec.commandLine().getOut().println(r.encodePrettily());
      return 0;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "NAMES", "NOT AFTER", "DAYS", "VERSION", "FINGERPRINT", "SERVED BY"});
    for (Object o : r.getJsonArray("certificates", new JsonArray())) {
      JsonObject c = (JsonObject) o;
      String fp = c.getString("fingerprint", "");
      rows.add(new String[] {c.getString("id"), join(c.getJsonArray("names")), c.getString("notAfter"),
          String.valueOf(c.getValue("daysLeft")), String.valueOf(c.getValue("version")),
          fp.length() > 16 ? fp.substring(0, 16) + "…" : fp,
          join(c.getJsonArray("servedBy")) + (c.containsKey("openError") ? " (" + c.getString("openError") + ")" : "")});
    }
    spec.commandLine().getOut().print(Table.render(rows));
    spec.commandLine().getOut().flush();
    return 0;
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a certificate from the farm.")
  int rm(@Mixin AdminClient client, @Parameters(paramLabel = "ID") String id) {
    client.object("DELETE", "/api/certs/" + id, null);
    spec.commandLine().getOut().println("removed " + id);
    return 0;
  }

  private void printAdded(JsonObject r) {
    JsonObject c = r.getJsonObject("certificate", new JsonObject());
    spec.commandLine().getOut().println((r.getBoolean("replaced", false) ? "replaced " : "added ") + c.getString("id")
        + " version " + c.getValue("version") + " names " + join(c.getJsonArray("names")) + " until "
        + c.getString("notAfter"));
    for (Object w : r.getJsonArray("warnings", new JsonArray())) {
      spec.commandLine().getErr().println("warning: " + w);
    }
  }

  private static String join(JsonArray a) {
    if (a == null) {
      return "";
    }
    List<String> s = new ArrayList<>();
    a.forEach(x -> s.add(String.valueOf(x)));
    return String.join(",", s);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new CliException(2, "cannot read " + p + ": " + e.getMessage());
    }
  }
}
