package io.sslfarm.farm.cli;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sslfarm drain NODE [--undo]}. */
@Command(name = "drain", mixinStandardHelpOptions = true,
    description = "Mark a node DRAINING: it gets no new connections or sessions; existing ones continue.")
public final class DrainCommand implements Callable<Integer> {

  @Mixin
  AdminClient client;

  @Parameters(index = "0", paramLabel = "NODE", description = "node id (see sslfarm status)")
  String node;

  @Option(names = "--undo", description = "make the node ACTIVE again")
  boolean undo;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    JsonObject n = client.object("POST", "/api/nodes/" + node + (undo ? "/activate" : "/drain"), null);
    spec.commandLine().getOut().println(n.getString("id") + ": " + n.getString("state") + ", weight "
        + n.getInteger("weight"));
    return 0;
  }
}
