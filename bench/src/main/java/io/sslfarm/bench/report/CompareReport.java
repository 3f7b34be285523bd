package io.sslfarm.bench.report;

import io.sslfarm.bench.BenchResult;
import io.sslfarm.bench.compare.CompareResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Side-by-side table (stdout), JSON and HTML of a {@link CompareResult}; ratios are against the first target. */
public final class CompareReport {

    private CompareReport() {
    }

    private record Metric(String name, Function<BenchResult, Double> f, boolean ratio) {
    }

    private static final List<Metric> METRICS = List.of(
            new Metric("throughput req/s", BenchResult::throughput, true),
            new Metric("errors", r -> (double) r.errors(), false),
            new Metric("p50 ms", r -> r.latency().p50() / 1000, true),
            new Metric("p99 ms", r -> r.latency().p99() / 1000, true),
            new Metric("p99.9 ms", r -> r.latency().p999() / 1000, true),
            new Metric("full handshakes", r -> (double) r.fullHandshakes(), false),
            new Metric("resumed handshakes", r -> (double) r.resumedHandshakes(), false),
            new Metric("server saw full/resumed", r -> null, false),
            new Metric("server CPU s", BenchResult::serverCpuSeconds, true),
            new Metric("req per server CPU-s", BenchResult::opsPerServerCpuSecond, true),
            new Metric("hs per server CPU-s", BenchResult::handshakesPerServerCpuSecond, true),
            new Metric("client CPU s", BenchResult::clientCpuSeconds, false),
            new Metric("client stall max ms", r -> r.clientStalls() == null ? null : r.clientStalls().max() / 1000, false));

    public static String table(CompareResult c) {
        StringBuilder sb = new StringBuilder();
        List<CompareResult.Target> t = c.targets();
        BenchResult base = c.baseline().compared();
        sb.append(String.format(Locale.ROOT, "%-26s", "metric (ratio vs " + c.baseline().name() + ")"));
        for (var x : t) sb.append(String.format(Locale.ROOT, "%24s", x.name() + (x.pid() > 0 ? " pid " + x.pid() : "")));
        sb.append('\n');
        for (Metric m : METRICS) {
            sb.append(String.format(Locale.ROOT, "%-26s", m.name));
            for (var x : t) sb.append(String.format(Locale.ROOT, "%24s", cell(m, x.compared(), base)));
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String cell(Metric m, BenchResult r, BenchResult base) {
        if (m.name.startsWith("server saw")) {
            return r.serverSaw() == null ? "-" : r.serverSaw().full() + "/" + r.serverSaw().resumed();
        }
        Double v = m.f.apply(r);
        if (v == null) return "-";
        String s = SummaryTable.fmt(v);
        Double ratio = m.ratio ? CompareResult.ratio(v, m.f.apply(base)) : null;
        return ratio == null || r == base ? s : s + String.format(Locale.ROOT, " (x%.2f)", ratio);
    }

    public static void writeJson(CompareResult c, Path file) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.writeString(file, c.toJson().encodePrettily() + "\n", StandardCharsets.UTF_8);
    }

    public static void writeHtml(CompareResult c, Path file) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.writeString(file, html(c), StandardCharsets.UTF_8);
    }

    public static String html(CompareResult c) {
        BenchResult base = c.baseline().compared();
        var o = base.options();
        StringBuilder sb = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sslfarm bench compare</title>")
                .append(HtmlReport.STYLE).append("</head><body><h1>sslfarm bench compare: ").append(Svg.esc(o.getScenario().cliName()))
                .append("</h1><p>Same bench against each server, run one after the other on this machine. Ratios are against <b>")
                .append(Svg.esc(c.baseline().name())).append("</b>. Raw rates depend on how much CPU the bench client leaves; "
                        + "<b>per server CPU-second</b> figures are the comparable capacity.</p>");
        sb.append("<table><tr><th>metric</th>");
        for (var t : c.targets()) sb.append("<th>").append(Svg.esc(t.name())).append("</th>");
        sb.append("</tr>");
        for (Metric m : METRICS) {
            sb.append("<tr><td>").append(Svg.esc(m.name)).append("</td>");
            for (var t : c.targets()) sb.append("<td class=n>").append(Svg.esc(cell(m, t.compared(), base))).append("</td>");
            sb.append("</tr>");
        }
        sb.append("</table>");
        String[] names = c.targets().stream().map(CompareResult.Target::name).toArray(String[]::new);
        sb.append(Svg.barChart("Throughput", names, values(c, BenchResult::throughput), "req/s"));
        sb.append(Svg.barChart("Requests per server CPU-second", names, values(c, BenchResult::opsPerServerCpuSecond), "req/CPU-s"));
        sb.append(Svg.barChart("p99 latency", names, values(c, r -> r.latency().p99() / 1000), "ms"));
        // throughput over time, one line per server
        int n = c.targets().stream().mapToInt(t -> t.compared().timeline().size()).max().orElse(0);
        double[] x = new double[n + 2];
        for (int i = 0; i < n; i++) x[i + 1] = i + 0.5;
        x[n + 1] = n;
        List<Svg.Series> series = new ArrayList<>();
        int k = 0;
        for (var t : c.targets()) {
            double[] y = new double[n + 2];
            java.util.Arrays.fill(y, Double.NaN);
            for (var s : t.compared().timeline()) if (s.t() < n) y[s.t() + 1] = s.ok();
            series.add(new Svg.Series(t.name(), Svg.COLORS[k++ % Svg.COLORS.length], y, false));
        }
        sb.append(Svg.lineChart("Requests per second over time", x, "seconds into the measured phase", "per second", series,
                List.of(), v -> String.format(Locale.ROOT, "%.0f", v), false));
        for (var t : c.targets()) {
            sb.append("<h2>").append(Svg.esc(t.name())).append(" — ").append(Svg.esc(t.url())).append("</h2><pre>")
                    .append(Svg.esc(SummaryTable.render(t.compared()))).append("</pre>");
        }
        sb.append("<p>Work directory (configs, logs): <code>").append(Svg.esc(c.workdir())).append("</code></p>");
        return sb.append("</body></html>\n").toString();
    }

    private static double[] values(CompareResult c, Function<BenchResult, Double> f) {
        return c.targets().stream().mapToDouble(t -> {
            Double v = f.apply(t.compared());
            return v == null ? Double.NaN : v;
        }).toArray();
    }
}
