package io.sslfarm.bench.report;

import io.sslfarm.bench.BenchResult;
import io.sslfarm.bench.ConnectionMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One self-contained HTML page per run: key numbers, throughput over time, latency over time, the latency
 * percentile distribution, stickiness and errors. Charts are inline SVG; the page loads nothing from anywhere.
 */
public final class HtmlReport {

    static final String STYLE = "<style>body{font-family:sans-serif;margin:24px;max-width:940px;color:#222}"
            + "table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
            + "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b00;font-weight:bold}"
            + ".ok{color:#070}h2{margin-top:28px;border-bottom:1px solid #ddd}svg{display:block;margin:8px 0}"
            + "pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}</style>";

    private HtmlReport() {
    }

    public static void write(BenchResult r, Path file) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.writeString(file, render(r), StandardCharsets.UTF_8);
    }

    public static String render(BenchResult r) {
        var o = r.options();
        StringBuilder sb = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sslfarm bench: ")
                .append(Svg.esc(r.label())).append("</title>").append(STYLE).append("</head><body>");
        sb.append("<h1>sslfarm bench: ").append(Svg.esc(r.label())).append("</h1>");
        sb.append("<p>Started ").append(r.startedAt()).append(". Counts cover requests that <em>started</em> in the ")
                .append(SummaryTable.fmt(r.measuredSeconds())).append(" s measured phase; the ")
                .append(SummaryTable.fmt(o.getWarmup().toMillis() / 1000.0)).append(" s warm-up (")
                .append(r.warmupOperations()).append(" requests) is excluded.</p>");
        sb.append("<h2>Summary</h2><pre>").append(Svg.esc(SummaryTable.render(r))).append("</pre>");

        sb.append("<table><tr><th>latency</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>mean</th><th>count</th></tr>");
        latencyRow(sb, o.openLoop() ? "from intended start (CO-corrected)" : "request (incl. connect + handshake)", r.latency());
        if (r.serviceTime() != null) latencyRow(sb, "service time (from actual start)", r.serviceTime());
        sb.append("</table>");

        int n = r.timeline().size();
        double[] x = new double[n], okS = new double[n], err = new double[n], full = new double[n], res = new double[n],
                p50 = new double[n], p99 = new double[n];
        for (int i = 0; i < n; i++) {
            var s = r.timeline().get(i);
            x[i] = s.t() + 0.5;
            okS[i] = s.ok();
            err[i] = s.errors();
            full[i] = s.full();
            res[i] = s.resumed();
            p50[i] = s.ok() > 0 ? s.p50Us() / 1000 : Double.NaN;
            p99[i] = s.ok() > 0 ? s.p99Us() / 1000 : Double.NaN;
        }
        double[] xs = new double[n + 1];
        for (int i = 0; i <= n; i++) xs[i] = i;
        List<Svg.Marker> markers = new ArrayList<>();
        if (r.hook() != null) {
            markers.add(new Svg.Marker(r.hook().startedAt(), "hook"));
            if (r.hook().endedAt() != null && r.hook().endedAt() - r.hook().startedAt() > 0.3) {
                markers.add(new Svg.Marker(r.hook().endedAt(), "hook done"));
            }
        }
        List<Svg.Series> tput = new ArrayList<>();
        tput.add(new Svg.Series("ok/s", "#1f77b4", okS, false));
        tput.add(new Svg.Series("errors/s", "#d62728", err, true));
        if (o.isTls() && o.effectiveConnectionMode() != ConnectionMode.KEEPALIVE) {
            tput.add(new Svg.Series("full hs/s", "#ff7f0e", full, false));
            tput.add(new Svg.Series("resumed hs/s", "#2ca02c", res, false));
        } else if (o.isTls()) {
            tput.add(new Svg.Series("handshakes/s", "#ff7f0e", add(full, res), true));
        }
        sb.append("<h2>Throughput over time</h2>");
        sb.append(Svg.lineChart("Requests per second (by completion second)", withEdges(x, n), "seconds into the measured phase",
                "per second", edgeSeries(tput, n), markers, t -> String.format(Locale.ROOT, "%.0f", t), false));
        if (r.errors() > 0) {
            sb.append(Svg.lineChart("Errors per second (own scale)", withEdges(x, n), "seconds into the measured phase", "errors",
                    edgeSeries(List.of(new Svg.Series("errors/s", "#d62728", err, true)), n), markers,
                    t -> String.format(Locale.ROOT, "%.0f", t), false));
        }
        sb.append("<h2>Latency over time</h2>");
        sb.append(Svg.lineChart("Latency per second, ms", withEdges(x, n), "seconds into the measured phase", "ms",
                edgeSeries(List.of(new Svg.Series("p50", "#1f77b4", p50, false), new Svg.Series("p99", "#9467bd", p99, false)), n),
                markers, t -> String.format(Locale.ROOT, "%.0f", t), false));

        sb.append("<h2>Latency percentiles</h2>");
        List<double[]> c = r.percentileCurve();
        double[] cx = new double[c.size()], cy = new double[c.size()];
        int k = 0;
        for (double[] p : c) {
            double pct = Math.min(p[0], 99.9999);
            cx[k] = Math.log10(100.0 / (100.0 - pct));
            cy[k++] = p[1] / 1000.0;
        }
        sb.append(Svg.lineChart("Latency by percentile (HdrHistogram), ms", cx, "percentile", "ms",
                List.of(new Svg.Series("latency", "#1f77b4", cy, false)), List.of(), HtmlReport::pctLabel, true));
        sb.append("<p>Read it left to right: 50 % of requests took at most the value above \"50%\", 99 % at most the value above "
                + "\"99%\", and so on. The right end is the slowest request.</p>");

        if (!r.backends().isEmpty()) {
            sb.append("<h2>Backends and stickiness</h2><table><tr><th>backend</th><th>responses</th></tr>");
            for (Map.Entry<String, Long> e : r.backends().entrySet()) {
                sb.append("<tr><td>").append(Svg.esc(e.getKey())).append("</td><td class=n>").append(e.getValue()).append("</td></tr>");
            }
            sb.append("</table>");
            if (r.stickyViolations() == 0) {
                sb.append("<p class=ok>Every response came from the backend that answered the user's first request.</p>");
            } else {
                sb.append("<p class=bad>").append(r.stickyViolations()).append(" requests of ").append(r.usersViolated())
                        .append(" of ").append(r.users()).append(" users reached another backend than the user's first.</p>");
                sb.append("<p>One row per user: its first request that went elsewhere, and how many of its requests did.</p>");
                sb.append("<table><tr><th>user</th><th>first violating request #</th><th>at s</th><th>expected</th><th>got</th>"
                        + "<th>violating requests</th></tr>");
                for (var v : r.violations()) {
                    sb.append(String.format(Locale.ROOT, "<tr><td class=n>%d</td><td class=n>%d</td><td class=n>%.2f</td><td>%s</td><td>%s</td>"
                            + "<td class=n>%d</td></tr>", v.user(), v.request(), v.at(), Svg.esc(v.expected()), Svg.esc(v.got()), v.requests()));
                }
                sb.append("</table>");
            }
        }
        if (r.errors() > 0 || r.hook() != null) {
            sb.append("<h2>Errors</h2><table><tr><th>kind</th><th>count</th><th>first message</th></tr>");
            for (Map.Entry<String, Long> e : r.errorsByKind().entrySet()) {
                sb.append("<tr><td>").append(Svg.esc(e.getKey())).append("</td><td class=n>").append(e.getValue()).append("</td><td>")
                        .append(Svg.esc(r.firstErrorDetail().get(e.getKey()))).append("</td></tr>");
            }
            sb.append("</table><table><tr><th>error window (s)</th><th>errors</th></tr>");
            for (var w : r.errorWindows()) {
                sb.append(String.format(Locale.ROOT, "<tr><td>%d – %d</td><td class=n>%d</td></tr>", w.from(), w.to(), w.errors()));
            }
            sb.append("</table>");
            if (r.hook() != null) {
                sb.append("<p>Hook <code>").append(Svg.esc(r.hook().command())).append("</code> started at ")
                        .append(String.format(Locale.ROOT, "%.2f s", r.hook().startedAt())).append(", exit code ")
                        .append(r.hook().exitCode()).append(".</p><pre>").append(Svg.esc(r.hook().outputTail())).append("</pre>");
            }
        }
        sb.append("<h2>Options</h2><pre>").append(Svg.esc(o.toJson().encodePrettily())).append("</pre>");
        return sb.append("</body></html>\n").toString();
    }

    private static double[] add(double[] a, double[] b) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) c[i] = a[i] + b[i];
        return c;
    }

    /** x axis 0..n with the per-second points at the middle of each second. */
    private static double[] withEdges(double[] x, int n) {
        double[] e = new double[n + 2];
        e[0] = 0;
        System.arraycopy(x, 0, e, 1, n);
        e[n + 1] = n;
        return e;
    }

    private static List<Svg.Series> edgeSeries(List<Svg.Series> in, int n) {
        List<Svg.Series> out = new ArrayList<>();
        for (Svg.Series s : in) {
            double[] y = new double[n + 2];
            y[0] = Double.NaN;
            System.arraycopy(s.y(), 0, y, 1, n);
            y[n + 1] = Double.NaN;
            out.add(new Svg.Series(s.name(), s.color(), y, s.bars()));
        }
        return out;
    }

    private static void latencyRow(StringBuilder sb, String name, BenchResult.Latency l) {
        sb.append("<tr><td>").append(Svg.esc(name)).append("</td>");
        for (double v : new double[] {l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.mean()}) {
            sb.append("<td class=n>").append(SummaryTable.ms(v)).append("</td>");
        }
        sb.append("<td class=n>").append(l.count()).append("</td></tr>");
    }

    static String pctLabel(double x) {
        double p = 100 - 100 / Math.pow(10, x);
        if (p < 1) return "0%";
        if (Math.abs(p - 50) < 0.5) return "50%";
        String s = String.format(Locale.ROOT, "%.4f", p).replaceAll("0+$", "").replaceAll("\\.$", "");
        return s + "%";
    }
}
