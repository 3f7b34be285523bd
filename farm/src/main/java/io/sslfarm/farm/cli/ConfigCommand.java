package io.sslfarm.farm.cli;

import io.sslfarm.config.ConfigException;
import io.sslfarm.config.NodeConfigLoader;
import io.sslfarm.farm.CliException;
import io.sslfarm.farm.Schema;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sslfarm config example|check}. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Node configuration helpers.")
public final class ConfigCommand {

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "example", mixinStandardHelpOptions = true,
      description = "Print a node file with every key, its default, unit and environment variable.")
  int example() {
    spec.commandLine().getOut().print(header() + Schema.ALL.exampleYaml());
    spec.commandLine().getOut().flush();
    return 0;
  }

  static String header() {
    return "# sslfarm node configuration: every key with its default. Keys without a default are commented out.\n"
        + "# Each key can be overridden by the environment variable shown (SSLFARM_<PATH>), or by --set key=value.\n"
        + "# Durations: 500ms, 5s, 2m, 1h. Lists: YAML lists, or comma-separated in environment variables.\n";
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Validate a node file (and SSLFARM_* variables); the first error names the key.")
  int check(@Parameters(paramLabel = "FILE") Path file) {
    try {
      new NodeConfigLoader(Schema.ALL).load(file, System.getenv(), Map.of());
    } catch (ConfigException e) {
      throw new CliException(2, e.getMessage());
    }
    spec.commandLine().getOut().println(file + ": valid");
    return 0;
  }
}
