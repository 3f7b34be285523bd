package io.sslfarm.bench.cli;

import io.sslfarm.bench.BenchOptions;
import io.sslfarm.bench.Scenario;
import io.sslfarm.bench.compare.CompareOptions;
import io.sslfarm.bench.compare.CompareResult;
import io.sslfarm.bench.compare.CompareRunner;
import io.sslfarm.bench.report.CompareReport;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sslfarm bench compare <scenario> [options]}: the same bench against the farm, HAProxy and nginx. */
@Command(name = "compare", mixinStandardHelpOptions = true, defaultValueProvider = BenchDefaults.class,
        description = {"The same bench against sslfarm, HAProxy and nginx, side by side (ratios against the first).",
                "Writes the HAProxy and nginx configs into the work directory, starts both on free 127.0.0.1 ports,",
                "runs the bench against each in turn, then stops exactly the PIDs it started."})
public final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO", converter = CliConverters.ScenarioConverter.class,
            description = "handshake, resume, keepalive, sticky or failover.")
    Scenario scenario;

    @Mixin
    SharedOptions shared;

    @Option(names = "--farm", paramLabel = "URL", description = "The running farm, e.g. started by 'sslfarm up'.")
    URI farm;

    @Option(names = "--farm-pid", paramLabel = "PID", description = "The farm's PID, for server CPU-seconds per operation.")
    long farmPid;

    @Option(names = "--servers", paramLabel = "SERVER", split = ",", converter = CliConverters.ServerConverter.class,
            description = "Servers to start and compare (default: haproxy,nginx).")
    List<CompareOptions.Server> servers;

    @Option(names = "--backend", paramLabel = "host:port",
            description = "The farm's plain-HTTP backend (default: an nginx backend is started).")
    String backend;

    @Option(names = "--cert", paramLabel = "PEM",
            description = "The farm's certificate (default: a generated ECDSA P-256 certificate for localhost).")
    Path cert;

    @Option(names = "--key", paramLabel = "PEM", description = "The private key of --cert.")
    Path key;

    @Option(names = "--server-cpu", paramLabel = "N", description = "Pin the started servers to CPU N with taskset.")
    Integer serverCpu;

    @Option(names = "--repeat", paramLabel = "N",
            description = "Runs per server, interleaved; the median run is compared (default: ${DEFAULT-VALUE}).")
    int repeat = 1;

    @Option(names = "--workdir", paramLabel = "DIR", description = "Configs, logs and PID files (default: a new temp directory).")
    Path workdir;

    /** The options this command line gives; not yet validated. */
    CompareOptions options() {
        if (shared.serverPid != 0) throw new IllegalArgumentException("server-pid: not used by compare (give --farm-pid)");
        if (shared.haproxySocket != null)
            throw new IllegalArgumentException("haproxy-socket: not used by compare (it reads the HAProxy it starts)");
        BenchOptions bench = shared.toBenchOptions().setScenario(scenario).setJsonOut(null).setHtmlOut(null);
        CompareOptions c = new CompareOptions().setBench(bench).setFarmUrl(farm).setFarmPid(farmPid).setBackend(backend)
                .setCert(cert).setKey(key).setServerCpu(serverCpu).setRepeat(repeat).setWorkdir(workdir)
                .setJsonOut(shared.json).setHtmlOut(shared.html);
        if (servers != null) c.setServers(servers);
        return c;
    }

    /**
     * Checks the bench options before any server is started. The targets' URLs are not known yet: the farm's is used,
     * else a started server's, whose generated certificate the runner trusts itself.
     */
    static void validate(CompareOptions c) {
        c.validate();
        BenchOptions probe = new BenchOptions(c.getBench());
        if (c.getFarmUrl() != null) {
            probe.setUrl(c.getFarmUrl());
        } else {
            probe.setUrl("https://127.0.0.1/");
            if (!probe.isInsecure() && probe.getCaCert() == null) probe.setCaCert(Path.of("generated.pem"));
        }
        probe.validate();
    }

    @Override
    public Integer call() {
        return BenchCommand.execute(spec, (progress, out) -> {
            CompareOptions c = options();
            validate(c);
            CompareResult r = CompareRunner.run(c, progress);
            out.print(CompareReport.table(r));
            progress.accept("work directory " + r.workdir());
            if (c.getJsonOut() != null) progress.accept("wrote " + c.getJsonOut());
            if (c.getHtmlOut() != null) progress.accept("wrote " + c.getHtmlOut());
        });
    }
}
