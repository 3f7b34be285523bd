package io.sslfarm.farm.cli;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sslfarm weight NODE N}. */
@Command(name = "weight", mixinStandardHelpOptions = true,
    description = "Set a node's weight 0-100 (0 = no new connections; existing ones continue).")
public final class WeightCommand implements Callable<Integer> {

  @Mixin
  AdminClient client;

  @Parameters(index = "0", paramLabel = "NODE", description = "node id (see sslfarm status)")
  String node;

  @Parameters(index = "1", paramLabel = "N", description = "weight 0-100")
  int weight;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (weight < 0 || weight > 100) {
      throw new io.sslfarm.farm.CliException(2, "weight must be 0-100, got " + weight);
    }
    JsonObject n = client.object("PUT", "/api/nodes/" + node + "/weight",
        new JsonObject().put("weight", weight).encode());
    spec.commandLine().getOut().println(n.getString("id") + ": weight " + n.getInteger("weight") + ", "
        + n.getString("state"));
    return 0;
  }
}
