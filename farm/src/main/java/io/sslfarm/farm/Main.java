package io.sslfarm.farm;

import io.sslfarm.farm.cli.ApplyCommand;
import io.sslfarm.bench.cli.BenchCommand;
import io.sslfarm.farm.cli.CertsCommand;
import io.sslfarm.farm.cli.ConfigCommand;
import io.sslfarm.farm.cli.DrainCommand;
import io.sslfarm.farm.cli.NodeCommands;
import io.sslfarm.farm.cli.StatusCommand;
import io.sslfarm.farm.cli.UpCommand;
import io.sslfarm.farm.cli.WeightCommand;
import io.sslfarm.node.FarmNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sslfarm <command>}: the one executable of the farm. */
@Command(name = "sslfarm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "A distributed SSL/TLS offload farm: edge-l4 -> ssl-proxy -> l7-router -> backends.",
    subcommands = {UpCommand.class, NodeCommands.Edge.class, NodeCommands.Ssl.class, NodeCommands.Router.class,
        NodeCommands.Backend.class, ApplyCommand.class, StatusCommand.class, WeightCommand.class, DrainCommand.class,
        CertsCommand.class, BenchCommand.class, ConfigCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command line and returns the exit code (tests call this). */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println("sslfarm: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return ex instanceof CliException ce ? ce.exitCode() : 1;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Prints the version. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"sslfarm " + FarmNode.VERSION, "Java " + System.getProperty("java.version")};
    }
  }
}
