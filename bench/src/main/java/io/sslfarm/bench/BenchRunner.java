package io.sslfarm.bench;

import io.sslfarm.bench.internal.HaproxyStats;
import io.sslfarm.bench.internal.TlsClient;
import io.sslfarm.bench.report.HtmlReport;
import io.sslfarm.bench.report.JsonReport;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.function.Consumer;

/**
 * Entry point for {@code sslfarm bench <scenario> URL}: validates the options, runs the load, writes the JSON and HTML
 * files when asked. The caller prints {@link io.sslfarm.bench.report.SummaryTable#render(BenchResult)} on stdout and
 * passes a progress sink (one line per second; the CLI writes it to stderr).
 */
public final class BenchRunner {

    private BenchRunner() {
    }

    public static BenchResult run(BenchOptions options) throws BenchException {
        return run(options, null, null);
    }

    public static BenchResult run(BenchOptions options, Consumer<String> progress) throws BenchException {
        return run(options, progress, null);
    }

    /**
     * @param serverCounter the server's own handshake counters (read at the start and end of the measured phase);
     *                      null = none, or HAProxy's when {@link BenchOptions#getHaproxyStatsSocket()} is set
     */
    public static BenchResult run(BenchOptions options, Consumer<String> progress, HandshakeCounter serverCounter)
            throws BenchException {
        BenchOptions o = new BenchOptions(options).validate();
        HandshakeCounter counter = serverCounter != null ? serverCounter
                : o.getHaproxyStatsSocket() != null ? new HaproxyStats(o.getHaproxyStatsSocket()) : null;
        TlsClient tls;
        try {
            tls = new TlsClient(o);
        } catch (GeneralSecurityException | IOException e) {
            throw new BenchException("cacert: cannot load " + o.getCaCert() + ": " + e.getMessage(), e);
        }
        BenchResult result;
        try {
            result = new LoadEngine(o, tls, counter, progress).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
        try {
            if (o.getJsonOut() != null) JsonReport.write(result, o.getJsonOut());
            if (o.getHtmlOut() != null) HtmlReport.write(result, o.getHtmlOut());
        } catch (IOException e) {
            throw new BenchException("cannot write the report: " + e.getMessage(), e);
        }
        return result;
    }
}
