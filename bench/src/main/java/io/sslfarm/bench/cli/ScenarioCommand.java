package io.sslfarm.bench.cli;

import io.sslfarm.bench.BenchOptions;
import io.sslfarm.bench.BenchResult;
import io.sslfarm.bench.BenchRunner;
import io.sslfarm.bench.Scenario;
import io.sslfarm.bench.report.SummaryTable;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sslfarm bench <scenario> URL [options]}: one scenario against one server. */
public abstract class ScenarioCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URL", description = "Target, https://host:port/path (http:// for keepalive, sticky, failover).")
    URI url;

    @Mixin
    SharedOptions shared;

    private final Scenario scenario;

    ScenarioCommand(Scenario scenario) {
        this.scenario = scenario;
    }

    /** The options this command line gives; not yet validated. */
    BenchOptions options() {
        return shared.toBenchOptions().setScenario(scenario).setUrl(url);
    }

    @Override
    public Integer call() {
        return BenchCommand.execute(spec, (progress, out) -> {
            BenchOptions o = options().validate();
            BenchResult r = BenchRunner.run(o, progress);
            out.print(SummaryTable.render(r));
            if (o.getJsonOut() != null) progress.accept("wrote " + o.getJsonOut());
            if (o.getHtmlOut() != null) progress.accept("wrote " + o.getHtmlOut());
        });
    }

    @Command(name = "handshake", mixinStandardHelpOptions = true, defaultValueProvider = BenchDefaults.class,
            description = {"Full TLS handshakes: a new connection and a new TLS session per request.",
                    "Every request: new TCP connection, new client context (no session offered), one request with",
                    "Connection: close. Counts full vs resumed handshakes; a resumed one is reported as a WARNING."})
    public static final class Handshake extends ScenarioCommand {
        public Handshake() {
            super(Scenario.HANDSHAKE);
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, defaultValueProvider = BenchDefaults.class,
            description = {"Resumed TLS handshakes: a new connection per request, offering the user's last session.",
                    "Each user offers the session (TLS 1.2 id or 1.3 ticket) it got last time. Reports the share actually",
                    "resumed; 'sessions lost' = full handshakes although a session was offered."})
    public static final class Resume extends ScenarioCommand {
        public Resume() {
            super(Scenario.RESUME);
        }
    }

    @Command(name = "keepalive", mixinStandardHelpOptions = true, defaultValueProvider = BenchDefaults.class,
            description = "Throughput and latency: requests over one persistent HTTP/1.1 connection per user.")
    public static final class Keepalive extends ScenarioCommand {
        public Keepalive() {
            super(Scenario.KEEPALIVE);
        }
    }

    @Command(name = "sticky", mixinStandardHelpOptions = true, defaultValueProvider = BenchDefaults.class,
            description = {"Stickiness: users with own cookie jars, each request on a new (resuming) connection.",
                    "Every response names its backend (--backend-header, or --backend-pattern in the body); a request",
                    "reaching another backend than the user's first is counted, and listed per user."})
    public static final class Sticky extends ScenarioCommand {
        public Sticky() {
            super(Scenario.STICKY);
        }
    }

    @Command(name = "failover", mixinStandardHelpOptions = true, defaultValueProvider = BenchDefaults.class,
            description = {"Failover: sticky users on persistent connections while nodes are killed or drained.",
                    "Kill or drain by hand or with --hook CMD --hook-at T. Reports errors by kind and the seconds they",
                    "fell in, the hook's run, lost sticky and TLS sessions. No request is silently re-sent."})
    public static final class Failover extends ScenarioCommand {
        public Failover() {
            super(Scenario.FAILOVER);
        }
    }
}
