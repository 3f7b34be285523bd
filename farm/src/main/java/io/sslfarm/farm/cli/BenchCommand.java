package io.sslfarm.farm.cli;

import picocli.CommandLine.Command;

/** {@code sslfarm bench ...}: the load harness (module bench). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Load-test the farm (or HAProxy/nginx): handshake, resume, keepalive, sticky, failover, compare.")
public final class BenchCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
