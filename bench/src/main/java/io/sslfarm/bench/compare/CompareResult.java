package io.sslfarm.bench.compare;

import io.sslfarm.bench.BenchResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Results per target, in run order; the first target is the baseline of the ratios.
 *
 * @param targets one entry per server: its name, PID (0 = unknown), every run, and the compared (median) run
 */
public record CompareResult(List<Target> targets, String workdir) {

    public record Target(String name, String url, long pid, List<BenchResult> runs) {
        /** The run with the median throughput (the first of two middles). */
        public BenchResult compared() {
            List<BenchResult> s = runs.stream().sorted((a, b) -> Double.compare(a.throughput(), b.throughput())).toList();
            return s.get((s.size() - 1) / 2);
        }
    }

    public Target baseline() {
        return targets.get(0);
    }

    /** value / baseline value, null when either is missing or the baseline is 0. */
    public static Double ratio(Double v, Double base) {
        return v == null || base == null || base == 0 ? null : v / base;
    }

    public JsonObject toJson() {
        JsonArray t = new JsonArray();
        BenchResult base = baseline().compared();
        for (Target x : targets) {
            BenchResult r = x.compared();
            t.add(new JsonObject().put("name", x.name()).put("url", x.url()).put("pid", x.pid() == 0 ? null : x.pid())
                    .put("throughputRatio", round(ratio(r.throughput(), base.throughput())))
                    .put("opsPerServerCpuSecondRatio", round(ratio(r.opsPerServerCpuSecond(), base.opsPerServerCpuSecond())))
                    .put("compared", r.toJson())
                    .put("allThroughputs", new JsonArray(x.runs().stream().map(b -> (Object) round(b.throughput())).toList())));
        }
        return new JsonObject().put("baseline", baseline().name()).put("workdir", workdir).put("targets", t);
    }

    static Double round(Double v) {
        return v == null ? null : Math.round(v * 1000.0) / 1000.0;
    }
}
