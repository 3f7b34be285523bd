package io.sslfarm.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/** Small inline-SVG charts: no script, no external resources, readable in any browser or image viewer. */
final class Svg {

    /** One line (or bar) series. */
    record Series(String name, String color, double[] y, boolean bars) {
    }

    /** A vertical marker at x, e.g. when the failover hook ran. */
    record Marker(double x, String label) {
    }

    private static final int W = 880, H = 300, L = 70, R = 20, T = 36, B = 46;

    private Svg() {
    }

    static String lineChart(String title, double[] x, String xLabel, String yLabel, List<Series> series, List<Marker> markers,
                            DoubleFunction<String> xTick, boolean logX) {
        double xMin = x.length == 0 ? 0 : x[0], xMax = x.length == 0 ? 1 : x[x.length - 1];
        if (xMax <= xMin) xMax = xMin + 1;
        double yMax = 0;
        for (Series s : series) for (double v : s.y) if (!Double.isNaN(v)) yMax = Math.max(yMax, v);
        yMax = niceCeil(yMax <= 0 ? 1 : yMax * 1.05);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\" role=\"img\"><title>%s</title>", W, H, W, H, esc(title)));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>", W, H));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>", L, esc(title)));
        double pw = W - L - R, ph = H - T - B;
        // y grid
        for (int i = 0; i <= 5; i++) {
            double v = yMax * i / 5, py = T + ph - ph * i / 5;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>", L, py, W - R, py));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", L - 6, py + 4, num(v)));
        }
        // x ticks
        double[] ticks = logX ? logTicks(xMax) : linTicks(xMin, xMax);
        for (double t : ticks) {
            double px = L + pw * (t - xMin) / (xMax - xMin);
            if (px < L - 0.5 || px > W - R + 0.5) continue;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", px, T, px, T + ph));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", px, T + ph + 16, esc(xTick.apply(t))));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>", L, T + ph, W - R, T + ph));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>", L, T, L, T + ph));
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", L + pw / 2, H - 8, esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">%s</text>",
                T + ph / 2, T + ph / 2, esc(yLabel)));
        double barW = x.length > 1 ? Math.max(1, pw / (x.length) * 0.6) : 8;
        for (Series s : series) {
            if (s.bars) {
                for (int i = 0; i < x.length && i < s.y.length; i++) {
                    if (!(s.y[i] > 0)) continue;
                    double px = L + pw * (x[i] - xMin) / (xMax - xMin), h = ph * s.y[i] / yMax;
                    sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" opacity=\"0.7\"/>",
                            px - barW / 2, T + ph - h, barW, h, s.color));
                }
            } else {
                StringBuilder pts = new StringBuilder();
                for (int i = 0; i < x.length && i < s.y.length; i++) {
                    if (Double.isNaN(s.y[i])) continue;
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", L + pw * (x[i] - xMin) / (xMax - xMin), T + ph - ph * s.y[i] / yMax));
                }
                sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>", s.color, pts.toString().trim()));
            }
        }
        for (Marker m : markers) {
            double px = L + pw * (m.x - xMin) / (xMax - xMin);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" fill=\"#c00\">%s</text>", px, T, px, T + ph, px + 4, T + 12, esc(m.label)));
        }
        // legend
        int lx = W - R - 10;
        for (int i = series.size() - 1; i >= 0; i--) {
            Series s = series.get(i);
            int tw = 8 * s.name.length() + 26;
            lx -= tw;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"10\" width=\"14\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"20\">%s</text>",
                    lx, s.color, lx + 18, esc(s.name)));
        }
        return sb.append("</svg>").toString();
    }

    /** Horizontal bars, one per label (compare report). */
    static String barChart(String title, String[] labels, double[] values, String unit) {
        int rowH = 30, h = T + rowH * labels.length + 20;
        double max = 0;
        for (double v : values) if (!Double.isNaN(v)) max = Math.max(max, v);
        if (max <= 0) max = 1;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\"><title>%s</title>"
                        + "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>",
                W, h, esc(title), W, h, esc(title)));
        int lw = 160;
        for (int i = 0; i < labels.length; i++) {
            double v = values[i];
            double bw = Double.isNaN(v) ? 0 : (W - lw - 160) * v / max;
            int y = T + i * rowH;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", lw - 8, y + 18, esc(labels[i])));
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"22\" fill=\"%s\"/>", lw, y + 4, bw, COLORS[i % COLORS.length]));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s %s</text>", lw + bw + 6, y + 19,
                    Double.isNaN(v) ? "n/a" : num(v), esc(unit)));
        }
        return sb.append("</svg>").toString();
    }

    static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"};

    private static double[] linTicks(double min, double max) {
        double step = niceCeil((max - min) / 10);
        if (max - min >= 3) step = Math.max(1, step);   // whole seconds
        double first = Math.ceil(min / step) * step;
        int n = (int) Math.floor((max - first) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = first + i * step;
        return t;
    }

    /** Ticks for x = log10(1/(1-p)): 0 (0%), 1 (90%), 2 (99%), ... */
    private static double[] logTicks(double max) {
        int n = (int) Math.floor(max) + 1;
        double[] t = new double[n + 1];
        t[0] = 0;
        t[1] = Math.log10(2);   // 50 %
        for (int i = 1; i < n; i++) t[i + 1] = i;
        return t;
    }

    static double niceCeil(double v) {
        double e = Math.pow(10, Math.floor(Math.log10(v)));
        double f = v / e;
        double n = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return n * e;
    }

    static String num(double v) {
        if (v >= 1e6) return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        if (v >= 1e4) return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        if (v >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (v >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String esc(String s) {
        if (s == null) return "";
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
