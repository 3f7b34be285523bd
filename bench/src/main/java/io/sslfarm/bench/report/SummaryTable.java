package io.sslfarm.bench.report;

import io.sslfarm.bench.BenchResult;
import io.sslfarm.bench.ConnectionMode;
import java.util.Locale;
import java.util.Map;

/** The plain-text summary the CLI prints on stdout. */
public final class SummaryTable {
    private SummaryTable() {
    }

    public static String render(BenchResult r) {
        StringBuilder sb = new StringBuilder();
        var o = r.options();
        sb.append("== ").append(r.label()).append('\n');
        row(sb, "scenario", o.getScenario().cliName() + " (" + o.effectiveConnectionMode().name().toLowerCase(Locale.ROOT)
                + ", " + (o.openLoop() ? "open loop " + fmt(o.getRate()) + " req/s" : "closed loop") + ", "
                + o.getConnections() + " users, tls " + (o.getTlsVersion() == null ? "1.2+1.3" : o.getTlsVersion())
                + ", client " + o.getProvider().name().toLowerCase(Locale.ROOT) + ")");
        row(sb, "measured", fmt(r.measuredSeconds()) + " s after " + fmt(o.getWarmup().toMillis() / 1000.0)
                + " s warm-up (" + r.warmupOperations() + " warm-up requests not counted)");
        row(sb, "requests", r.ok() + " ok, " + r.errors() + " errors" + (r.errors() > 0 ? " " + r.errorsByKind() : ""));
        row(sb, "throughput", fmt(r.throughput()) + " req/s");
        var l = r.latency();
        row(sb, "latency" + (o.openLoop() ? " (from intended start)" : ""), String.format(Locale.ROOT,
                "p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s", ms(l.p50()), ms(l.p90()), ms(l.p99()), ms(l.p999()),
                ms(l.max()), ms(l.mean())));
        if (r.serviceTime() != null) {
            var s = r.serviceTime();
            row(sb, "service time", String.format(Locale.ROOT, "p50 %s  p99 %s  p99.9 %s  max %s;  %d requests started >1 ms late",
                    ms(s.p50()), ms(s.p99()), ms(s.p999()), ms(s.max()), r.lateStarts()));
            if (r.unsent() > 0) {
                row(sb, "WARNING", r.unsent() + " requests due in the measured phase were never sent: all users were busy"
                        + " (the server did not keep up with the rate; add --connections or lower --rate)");
            }
        }
        if (o.isTls()) {
            String share = Double.isNaN(r.resumedShare()) ? "-" : fmt(100 * r.resumedShare()) + " %";
            row(sb, "handshakes", r.fullHandshakes() + " full, " + r.resumedHandshakes() + " resumed (resumed share " + share
                    + ")" + (r.sessionsLost() > 0 ? ", " + r.sessionsLost() + " offered sessions not resumed" : ""));
            if (o.effectiveConnectionMode() == ConnectionMode.NEW_SESSION && r.resumedHandshakes() > 0) {
                row(sb, "WARNING", r.resumedHandshakes() + " handshakes were resumed although no session was offered");
            }
            if (r.serverSaw() != null) {
                row(sb, "server saw", r.serverSaw().full() + " full, " + r.serverSaw().resumed() + " resumed");
            }
        }
        if (r.retries() > 0) row(sb, "retries", r.retries() + " requests re-sent after the server closed an idle connection");
        if (r.serverCpuSeconds() != null) {
            row(sb, "server cpu", fmt(r.serverCpuSeconds()) + " s = " + fmt(r.opsPerServerCpuSecond()) + " req per server CPU-second"
                    + (o.isTls() ? ", " + fmt(r.handshakesPerServerCpuSecond()) + " handshakes per server CPU-second" : ""));
        }
        row(sb, "client cpu", fmt(r.clientCpuSeconds()) + " s");
        if (r.clientStalls() != null && r.clientStalls().count() > 0) {
            var h = r.clientStalls();
            row(sb, "client stalls", "p99 " + ms(h.p99()) + "  max " + ms(h.max())
                    + (h.max() > 50_000 ? "  WARNING: the bench itself stalled (GC, CPU starvation); latencies up to that"
                    + " are not the server's alone" : ""));
        }
        if (!r.backends().isEmpty()) row(sb, "backends", r.backends().toString());
        boolean stickyScenario = o.getScenario() == io.sslfarm.bench.Scenario.STICKY || o.getScenario() == io.sslfarm.bench.Scenario.FAILOVER;
        if (stickyScenario && r.backends().isEmpty()) {
            row(sb, "stickiness", "not checked: no response named its backend (see --backend-header / --backend-pattern)");
        } else if (stickyScenario || r.stickyViolations() > 0) {
            row(sb, "stickiness", r.stickyViolations() == 0 ? "no request reached another backend than its user's first"
                    : r.stickyViolations() + " requests of " + r.usersViolated() + "/" + r.users()
                    + " users reached another backend than the user's first");
        }
        if (o.getScenario() == io.sslfarm.bench.Scenario.FAILOVER) {
            row(sb, "lost sessions", r.usersViolated() + " of " + r.users() + " users' sticky sessions moved to another backend"
                    + (o.isTls() ? "; " + r.sessionsLost() + " reconnects offered a TLS session that was not resumed" : ""));
        }
        if (!r.errorWindows().isEmpty()) {
            StringBuilder w = new StringBuilder();
            for (var e : r.errorWindows()) w.append(String.format(Locale.ROOT, "[%ds-%ds) %d  ", e.from(), e.to(), e.errors()));
            row(sb, "error windows", w.toString().trim() + String.format(Locale.ROOT, " (first %.2fs, last %.2fs)",
                    r.firstErrorAt(), r.lastErrorAt()));
            for (Map.Entry<String, String> e : r.firstErrorDetail().entrySet()) row(sb, "  first " + e.getKey(), e.getValue());
        }
        if (r.hook() != null) {
            var h = r.hook();
            row(sb, "hook", String.format(Locale.ROOT, "'%s' at %.2fs%s, exit %s", h.command(), h.startedAt(),
                    h.endedAt() == null ? "" : String.format(Locale.ROOT, "-%.2fs", h.endedAt()), h.exitCode()));
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String k, String v) {
        sb.append(String.format(Locale.ROOT, "  %-22s %s%n", k, v));
    }

    static String fmt(Double v) {
        if (v == null || v.isNaN()) return "-";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%d", v.longValue());
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static String ms(double us) {
        return String.format(Locale.ROOT, "%.2fms", us / 1000.0);
    }
}
