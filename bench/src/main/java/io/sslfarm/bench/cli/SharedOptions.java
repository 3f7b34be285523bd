package io.sslfarm.bench.cli;

import io.sslfarm.bench.BenchOptions;
import io.sslfarm.bench.ConnectionMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options every {@code sslfarm bench} subcommand shares (a picocli mixin), mapped onto {@link BenchOptions}.
 * Defaults come from {@link BenchDefaults}, i.e. from the {@code BenchOptions.DEFAULT_*} constants.
 */
public final class SharedOptions {

    @Option(names = {"-c", "--connections"}, paramLabel = "N",
            description = "Concurrent users, one connection each (default: ${DEFAULT-VALUE}).")
    int connections = BenchOptions.DEFAULT_CONNECTIONS;

    @Option(names = "--rate", paramLabel = "R",
            description = "Open loop at R requests/s over all users; 0 = closed loop (default: ${DEFAULT-VALUE}).")
    double rate = BenchOptions.DEFAULT_RATE;

    @Option(names = {"-d", "--duration"}, paramLabel = "T", converter = CliConverters.DurationConverter.class,
            description = "Measured phase, e.g. 30s, 5m; at most 2h (default: ${DEFAULT-VALUE}).")
    Duration duration = BenchOptions.DEFAULT_DURATION;

    @Option(names = "--warmup", paramLabel = "T", converter = CliConverters.DurationConverter.class,
            description = "Load that is not counted (JIT, first handshakes); 0 = none (default: ${DEFAULT-VALUE}).")
    Duration warmup = BenchOptions.DEFAULT_WARMUP;

    @Option(names = "--timeout", paramLabel = "T", converter = CliConverters.DurationConverter.class,
            description = "Connect and read timeout of one request (default: ${DEFAULT-VALUE}).")
    Duration timeout = BenchOptions.DEFAULT_TIMEOUT;

    @Option(names = "--tls", paramLabel = "1.2|1.3",
            description = "TLS version to offer (default: both, the server picks).")
    String tls;

    @Option(names = "--provider", paramLabel = "conscrypt|jdk", converter = CliConverters.ProviderConverter.class,
            description = "Client TLS implementation (default: ${DEFAULT-VALUE}).")
    BenchOptions.Provider provider = BenchOptions.Provider.CONSCRYPT;

    @Option(names = "--insecure", description = "Accept any server certificate, skip host-name checks.")
    boolean insecure;

    @Option(names = "--cacert", paramLabel = "PEM", description = "CA certificate(s) to trust; host names are verified.")
    Path cacert;

    @Option(names = "--sni", paramLabel = "NAME", description = "SNI and Host header (default: the URL's host).")
    String sni;

    @Option(names = "-H", paramLabel = "'Name: value'", description = "Extra request header; repeatable.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--method", paramLabel = "METHOD", description = "HTTP method (default: ${DEFAULT-VALUE}).")
    String method = "GET";

    @Option(names = "--connection-mode", paramLabel = "new|resume|keepalive",
            converter = CliConverters.ConnectionModeConverter.class,
            description = "How a user gets its connection (default: per scenario).")
    ConnectionMode connectionMode;

    @Option(names = "--backend-header", paramLabel = "NAME",
            description = "Response header naming the backend; '' = ignore headers (default: ${DEFAULT-VALUE}).")
    String backendHeader = BenchOptions.DEFAULT_BACKEND_HEADER;

    @Option(names = "--backend-pattern", paramLabel = "REGEX",
            description = "Regex with one group finding the backend id in the body (default: ${DEFAULT-VALUE}).")
    String backendPattern = BenchOptions.DEFAULT_BACKEND_PATTERN;

    @Option(names = "--hook", paramLabel = "CMD", description = "Shell command run once during the measured phase (/bin/sh -c).")
    String hook;

    @Option(names = "--hook-at", paramLabel = "T", converter = CliConverters.DurationConverter.class,
            description = "When the hook starts, from the start of the measured phase (default: ${DEFAULT-VALUE}).")
    Duration hookAt = BenchOptions.DEFAULT_HOOK_AT;

    @Option(names = "--server-pid", paramLabel = "PID",
            description = "Server process: report its CPU-seconds (with children) per operation.")
    long serverPid;

    @Option(names = "--haproxy-socket", paramLabel = "PATH",
            description = "HAProxy admin socket: report HAProxy's own full/resumed handshake counts.")
    Path haproxySocket;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every number, the timeline and the percentile curve as JSON.")
    Path json;

    @Option(names = "--html", paramLabel = "FILE", description = "Write a self-contained HTML report with inline SVG charts.")
    Path html;

    /** A new {@link BenchOptions} holding these values (scenario and URL are set by the caller). */
    BenchOptions toBenchOptions() {
        BenchOptions o = new BenchOptions()
                .setConnections(connections).setRate(rate).setDuration(duration).setWarmup(warmup).setTimeout(timeout)
                .setTlsVersion(tls).setProvider(provider).setInsecure(insecure).setCaCert(cacert).setServerName(sni)
                .setMethod(method).setConnectionMode(connectionMode).setBackendHeader(backendHeader)
                .setBackendPattern(backendPattern).setHook(hook).setHookAt(hookAt).setServerPid(serverPid)
                .setHaproxyStatsSocket(haproxySocket).setJsonOut(json).setHtmlOut(html);
        headers.forEach(o::addHeader);
        return o;
    }
}
