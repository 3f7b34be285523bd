package io.sslfarm.farm.cli;

import io.sslfarm.farm.CliException;
import io.sslfarm.farm.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs the CLI in-process and captures its output. */
public final class CliTestSupport {

  public record Result(int code, String out, String err) {
  }

  public static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println("sslfarm: " + ex.getMessage());
      return ex instanceof CliException ce ? ce.exitCode() : 1;
    });
    int code = cl.execute(args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
