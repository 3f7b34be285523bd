package io.sslfarm.farm.cli;

import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.config.ConfigException;
import io.sslfarm.farm.CliException;
import io.sslfarm.node.FarmConfigValidators;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sslfarm apply farm.yaml}: validate the farm config here, then apply it to the running cluster. */
@Command(name = "apply", mixinStandardHelpOptions = true,
    description = "Validate a farm config (routes, pools, ACLs, TLS policy) and apply it to the running farm;"
        + " nodes pick it up without restart.")
public final class ApplyCommand implements Callable<Integer> {

  @Mixin
  AdminClient client;

  @Parameters(index = "0", paramLabel = "FILE", description = "farm config YAML")
  Path file;

  @Option(names = "--dry-run", description = "only validate")
  boolean dryRun;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** Reads and validates a farm file; errors name the path in the file. */
  public static FarmConfig read(Path file) {
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    } catch (IOException e) {
      throw new CliException(2, "cannot read " + file + ": " + e.getMessage());
    } catch (YAMLException e) {
      throw new CliException(2, file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (!(doc instanceof Map<?, ?> m)) {
      throw new CliException(2, file + ": expected a mapping of sections (routes, pools, ...)");
    }
    FarmConfig fc;
    try {
      @SuppressWarnings("unchecked")
      JsonObject json = new JsonObject((Map<String, Object>) m).copy();
      fc = FarmConfig.fromJson(json);
      FarmConfigValidators.validate(fc);
    } catch (ConfigException | IllegalArgumentException e) {
      throw new CliException(2, file + ": " + e.getMessage());
    }
    return fc;
  }

  @Override
  public Integer call() {
    FarmConfig fc = read(file);
    if (dryRun) {
      spec.commandLine().getOut().println(file + ": valid (" + String.join(", ", fc.sections().keySet()) + ")");
      return 0;
    }
    JsonObject r = client.object("PUT", "/api/config", fc.toJson().encode());
    spec.commandLine().getOut().println("applied: " + r.getJsonArray("applied").encode());
    return 0;
  }
}
