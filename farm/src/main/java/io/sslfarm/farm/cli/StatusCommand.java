package io.sslfarm.farm.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sslfarm status}: every node of the farm in a table. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show every node of the farm: role, address, state, weight, connections.")
public final class StatusCommand implements Callable<Integer> {

  @Mixin
  AdminClient client;

  @Option(names = "--json", description = "print the raw JSON")
  boolean json;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    JsonArray nodes = client.array("GET", "/api/nodes", null);
    if (json) {
      spec.commandLine().getOut().println(nodes.encodePrettily());
      return 0;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NODE", "ROLE", "DATA", "ADMIN", "STATE", "WEIGHT", "CONNS", "VERSION"});
    for (Object o : nodes) {
      JsonObject n = (JsonObject) o;
      long conns = n.getLong("connections", -1L);
      rows.add(new String[] {n.getString("id"), n.getString("role"), n.getString("dataAddress"),
          n.getString("adminAddress"), n.getString("state"), String.valueOf(n.getInteger("weight")),
          conns < 0 ? "-" : String.valueOf(conns), n.getString("version")});
    }
    spec.commandLine().getOut().print(Table.render(rows));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
