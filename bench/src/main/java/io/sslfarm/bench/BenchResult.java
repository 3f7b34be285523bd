package io.sslfarm.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one run. Counts cover operations that <em>started</em> in the measured phase (warm-up excluded).
 * Latencies are in microseconds; in open-loop mode they run from the intended start (coordinated-omission
 * corrected), {@link #serviceTime()} from the actual start. Times in the timeline are seconds since the measured
 * phase began. {@code unsent}: open-loop arrivals due in the measured phase that no user was free to send before
 * it ended (the server could not keep up with the rate); they are in no latency figure. {@code clientStalls}: how
 * much longer than asked a 1 ms sleep of the bench took (GC pauses, CPU starvation of the client): a large max means
 * the client itself delayed requests, so latencies above it are not the server's alone.
 */
public record BenchResult(
        BenchOptions options,
        String label,
        Instant startedAt,
        double measuredSeconds,
        long ok,
        long errors,
        Map<String, Long> errorsByKind,
        Map<String, String> firstErrorDetail,
        long fullHandshakes,
        long resumedHandshakes,
        long sessionsLost,
        long retries,
        long warmupOperations,
        Latency latency,
        Latency serviceTime,
        List<double[]> percentileCurve,
        List<Second> timeline,
        long lateStarts,
        long unsent,
        Map<String, Long> backends,
        int users,
        long stickyViolations,
        int usersViolated,
        List<Violation> violations,
        List<ErrorWindow> errorWindows,
        Double firstErrorAt,
        Double lastErrorAt,
        HookRun hook,
        Double serverCpuSeconds,
        double clientCpuSeconds,
        HandshakeCounter.Counts serverSaw,
        Latency clientStalls) {

    /** Latency summary, microseconds. */
    public record Latency(long count, double mean, double p50, double p90, double p99, double p999, double max) {
        public JsonObject toJson() {
            return new JsonObject().put("count", count).put("meanUs", r(mean)).put("p50Us", r(p50)).put("p90Us", r(p90))
                    .put("p99Us", r(p99)).put("p999Us", r(p999)).put("maxUs", r(max));
        }
    }

    /** One second of the measured phase (by completion time). */
    public record Second(int t, long ok, long errors, long full, long resumed, double p50Us, double p99Us, double maxUs) {
        public JsonObject toJson() {
            return new JsonObject().put("t", t).put("ok", ok).put("errors", errors).put("full", full).put("resumed", resumed)
                    .put("p50Us", r(p50Us)).put("p99Us", r(p99Us)).put("maxUs", r(maxUs));
        }
    }

    /**
     * A user whose requests reached another backend than its first: the first such request (its 1-based number in the
     * user's sequence, when, expected and actual backend) and how many of its requests did.
     */
    public record Violation(int user, long request, double at, String expected, String got, long requests) {
        public JsonObject toJson() {
            return new JsonObject().put("user", user).put("firstRequest", request).put("atSeconds", r(at))
                    .put("expected", expected).put("got", got).put("violatingRequests", requests);
        }
    }

    /** Consecutive seconds with errors. {@code to} is exclusive. */
    public record ErrorWindow(int from, int to, long errors) {
        public JsonObject toJson() {
            return new JsonObject().put("fromSecond", from).put("toSecond", to).put("errors", errors);
        }
    }

    /** The failover hook: when it ran and how it ended. */
    public record HookRun(String command, double startedAt, Double endedAt, Integer exitCode, String outputTail) {
        public JsonObject toJson() {
            return new JsonObject().put("command", command).put("startedAtSeconds", r(startedAt))
                    .put("endedAtSeconds", endedAt == null ? null : r(endedAt)).put("exitCode", exitCode)
                    .put("outputTail", outputTail);
        }
    }

    public long operations() {
        return ok + errors;
    }

    /** Successful requests per second of the measured phase. */
    public double throughput() {
        return measuredSeconds > 0 ? ok / measuredSeconds : 0;
    }

    public long handshakes() {
        return fullHandshakes + resumedHandshakes;
    }

    /** Resumed share of all handshakes, 0..1; NaN when there were none. */
    public double resumedShare() {
        return handshakes() == 0 ? Double.NaN : (double) resumedHandshakes / handshakes();
    }

    /** Successful requests per server CPU-second, when the server PID was given. */
    public Double opsPerServerCpuSecond() {
        return serverCpuSeconds == null || serverCpuSeconds <= 0 ? null : ok / serverCpuSeconds;
    }

    /** Handshakes per server CPU-second, when the server PID was given. */
    public Double handshakesPerServerCpuSecond() {
        return serverCpuSeconds == null || serverCpuSeconds <= 0 ? null : handshakes() / serverCpuSeconds;
    }

    /** True when the scenario promised something the run contradicts (resumption in handshake, sticky violations). */
    public boolean anyViolation() {
        return (options.effectiveConnectionMode() == ConnectionMode.NEW_SESSION && resumedHandshakes > 0) || stickyViolations > 0;
    }

    public JsonObject toJson() {
        JsonObject j = new JsonObject()
                .put("label", label)
                .put("startedAt", startedAt.toString())
                .put("options", options.toJson())
                .put("measuredSeconds", r(measuredSeconds))
                .put("ok", ok)
                .put("errors", errors)
                .put("throughputPerSecond", r(throughput()))
                .put("errorsByKind", new JsonObject(Map.copyOf(errorsByKind)))
                .put("firstErrorDetail", new JsonObject(Map.copyOf(firstErrorDetail)))
                .put("handshakes", new JsonObject().put("full", fullHandshakes).put("resumed", resumedHandshakes)
                        .put("resumedShare", Double.isNaN(resumedShare()) ? null : r(resumedShare()))
                        .put("sessionsLost", sessionsLost)
                        .put("serverSaw", serverSaw == null ? null
                                : new JsonObject().put("full", serverSaw.full()).put("resumed", serverSaw.resumed())))
                .put("retriesOnClosedKeepAlive", retries)
                .put("warmupOperations", warmupOperations)
                .put("latency", latency.toJson())
                .put("serviceTime", serviceTime == null ? null : serviceTime.toJson())
                .put("lateStarts", lateStarts)
                .put("unsent", unsent)
                .put("users", users)
                .put("backends", new JsonObject(Map.copyOf(backends)))
                .put("sticky", new JsonObject().put("violations", stickyViolations).put("usersViolated", usersViolated)
                        .put("listed", new JsonArray(violations.stream().map(Violation::toJson).toList())))
                .put("errorWindows", new JsonArray(errorWindows.stream().map(ErrorWindow::toJson).toList()))
                .put("firstErrorAtSeconds", firstErrorAt == null ? null : r(firstErrorAt))
                .put("lastErrorAtSeconds", lastErrorAt == null ? null : r(lastErrorAt))
                .put("hook", hook == null ? null : hook.toJson())
                .put("serverCpuSeconds", serverCpuSeconds == null ? null : r(serverCpuSeconds))
                .put("opsPerServerCpuSecond", opsPerServerCpuSecond() == null ? null : r(opsPerServerCpuSecond()))
                .put("handshakesPerServerCpuSecond", handshakesPerServerCpuSecond() == null ? null : r(handshakesPerServerCpuSecond()))
                .put("clientCpuSeconds", r(clientCpuSeconds))
                .put("clientStalls", clientStalls == null ? null : clientStalls.toJson())
                .put("timeline", new JsonArray(timeline.stream().map(Second::toJson).toList()))
                .put("percentileCurve", new JsonArray(percentileCurve.stream()
                        .map(p -> new JsonArray().add(p[0]).add(r(p[1]))).toList()));
        return j;
    }

    static double r(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
