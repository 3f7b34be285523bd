package io.sslfarm.bench.cli;

import io.sslfarm.bench.BenchException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code sslfarm bench <scenario> URL [options]} and {@code sslfarm bench compare <scenario> [options]}. Every
 * subcommand prints a progress line per second on stderr and the summary on stdout, and exits 0 when the run
 * completed, 1 when it could not run or report ({@link BenchException}, one line on stderr), 2 on invalid options.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Load harness: full vs resumed TLS handshakes, which backend answered, errors by second.",
                "Point it at the farm or at any HTTPS server."},
        subcommands = {ScenarioCommand.Handshake.class, ScenarioCommand.Resume.class, ScenarioCommand.Keepalive.class,
                ScenarioCommand.Sticky.class, ScenarioCommand.Failover.class, CompareCommand.class})
public final class BenchCommand implements Callable<Integer> {

    /** Exit code of a completed run. */
    public static final int EXIT_OK = 0;
    /** Exit code when the bench could not run or write its report. */
    public static final int EXIT_FAILED = 1;
    /** Exit code of invalid options (picocli's usage code). */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

    private static final Pattern KEYED = Pattern.compile("([a-z][a-z-]*(?:/[a-z-]+)?): (.*)", Pattern.DOTALL);
    private static final Map<String, String> FLAG_OF_KEY = Map.of("url", "URL", "header", "-H", "cert/key", "--cert/--key");

    @Spec
    CommandSpec spec;

    /** {@code sslfarm bench} without a subcommand: the usage, on stderr, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /** Standalone entry (the farm launcher mounts this command as {@code sslfarm bench}). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }

    /** A job that ends in a {@link BenchException} or an {@link IllegalArgumentException} naming an option. */
    interface Job {
        void run(Consumer<String> progress, PrintWriter out) throws BenchException;
    }

    /** Runs a job with progress on the command's stderr and maps its failures to exit codes. */
    static int execute(CommandSpec spec, Job job) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> progress = line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        };
        String who = spec.qualifiedName();
        try {
            job.run(progress, out);
            out.flush();
            return EXIT_OK;
        } catch (IllegalArgumentException e) {
            err.println(who + ": " + optionMessage(e.getMessage()));
            err.println("Try '" + who + " --help' for the options.");
            err.flush();
            return EXIT_USAGE;
        } catch (BenchException e) {
            err.println(who + ": " + oneLine(e.getMessage()));
            err.flush();
            return EXIT_FAILED;
        }
    }

    /** "connections: must be 1..10000" becomes "--connections: must be 1..10000"; the message names the flag. */
    static String optionMessage(String message) {
        if (message == null) return "invalid option";
        Matcher m = KEYED.matcher(message);
        if (!m.matches()) return oneLine(message);
        String key = m.group(1);
        return FLAG_OF_KEY.getOrDefault(key, "--" + key) + ": " + oneLine(m.group(2));
    }

    private static String oneLine(String s) {
        return s == null ? "failed" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
