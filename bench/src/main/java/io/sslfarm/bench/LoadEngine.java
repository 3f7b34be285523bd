package io.sslfarm.bench;

import io.sslfarm.bench.internal.ProcCpu;
import io.sslfarm.bench.internal.TlsClient;
import io.sslfarm.bench.scenario.Outcome;
import io.sslfarm.bench.scenario.ScenarioDriver;
import io.sslfarm.bench.scenario.VirtualUser;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one bench: N user threads (blocking sockets, one thread per user), closed or open loop, a one-second
 * sampler on the calling thread (timeline + progress line) and the optional hook.
 *
 * <pre>
 *  start ──warm-up (not counted)──▶ measureStart ──────── duration ────────▶ end ─▶ in-flight requests finish
 *                                       │ hook at +hookAt                        (bounded by the request timeout)
 * </pre>
 * Closed loop: each user sends its next request when the previous one finished; latency = finish - start.
 * Open loop: request k is due at start + k/rate; a free user takes the next due request and waits until it is due;
 * latency = finish - due time, so time spent waiting for a free user counts (coordinated omission corrected).
 */
final class LoadEngine {

    private static final Logger log = LoggerFactory.getLogger(LoadEngine.class);
    private static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final BenchOptions o;
    private final ScenarioDriver driver;
    private final HandshakeCounter serverCounter;
    private final Consumer<String> progress;

    private final Recorder latency = new Recorder(3);
    private final Recorder service = new Recorder(3);
    private final Histogram latencyTotal = new Histogram(3);
    private final Histogram serviceTotal = new Histogram(3);
    private final Histogram hiccupTotal = new Histogram(3);
    private final LongAdder ok = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder full = new LongAdder();
    private final LongAdder resumed = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder warmupOps = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder violationsCount = new LongAdder();
    private final Map<String, LongAdder> errorsByKind = new ConcurrentHashMap<>();
    private final Map<String, String> firstErrorDetail = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> backends = new ConcurrentHashMap<>();
    private final Map<Integer, BenchResult.Violation> firstViolation = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> usersViolated = new ConcurrentHashMap<>();
    private final AtomicLong firstError = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastError = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong openLoopSeq = new AtomicLong();
    private final AtomicLongArray secOk;
    private final AtomicLongArray secErr;
    private final AtomicLongArray secFull;
    private final AtomicLongArray secResumed;

    private volatile boolean stop;
    private long start;
    private long measureStart;
    private long end;

    LoadEngine(BenchOptions o, TlsClient tls, HandshakeCounter serverCounter, Consumer<String> progress) {
        this.o = o;
        this.driver = new ScenarioDriver(o, tls);
        this.serverCounter = serverCounter;
        this.progress = progress;
        int secs = (int) Math.ceil(o.getDuration().toMillis() / 1000.0) + 1 + (int) Math.ceil(o.getTimeout().toMillis() / 1000.0);
        secOk = new AtomicLongArray(secs);
        secErr = new AtomicLongArray(secs);
        secFull = new AtomicLongArray(secs);
        secResumed = new AtomicLongArray(secs);
    }

    BenchResult run() throws InterruptedException {
        Instant startedAt = Instant.now();
        List<VirtualUser> users = new ArrayList<>();
        for (int i = 0; i < o.getConnections(); i++) users.add(new VirtualUser(i));
        // without warm-up, read the server's counters before the first request: exact; with warm-up, requests in flight
        // at the boundary are counted by the server but not by us (a few per user at most)
        boolean noWarmup = o.getWarmup().isZero();
        HandshakeCounter.Counts saw0 = noWarmup ? readCounter() : null;
        Double cpu0 = noWarmup && o.getServerPid() > 0 ? ProcCpu.seconds(o.getServerPid()).orElse(null) : null;
        start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        measureStart = start + o.getWarmup().toNanos();
        end = measureStart + o.getDuration().toNanos();
        List<Thread> threads = new ArrayList<>();
        for (VirtualUser u : users) {
            Thread t = new Thread(() -> userLoop(u), "bench-user-" + u.id());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        Thread hiccups = new Thread(this::hiccupLoop, "bench-hiccup");
        hiccups.setDaemon(true);
        hiccups.start();
        HookRunner hook = o.getHook() == null ? null : new HookRunner(o.getHook(), measureStart + o.getHookAt().toNanos());
        if (hook != null) hook.start();

        sleepUntil(measureStart);
        if (!noWarmup) {
            saw0 = readCounter();
            cpu0 = o.getServerPid() > 0 ? ProcCpu.seconds(o.getServerPid()).orElse(null) : null;
        }
        double client0 = clientCpu();
        // no reset of the recorders here: only requests due in the measured phase are ever recorded

        List<double[]> perSecondLatency = new ArrayList<>();
        int totalSecs = (int) Math.ceil(o.getDuration().toMillis() / 1000.0);
        for (int k = 1; k <= totalSecs; k++) {
            sleepUntil(Math.min(end, measureStart + TimeUnit.SECONDS.toNanos(k)));
            perSecondLatency.add(sample(k - 1));
        }
        stop = true;
        hiccups.join(1000);
        long joinBy = System.nanoTime() + o.getTimeout().toNanos() + TimeUnit.SECONDS.toNanos(2);
        for (Thread t : threads) t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinBy - System.nanoTime())));
        for (VirtualUser u : users) driver.closeConnection(u);   // unblocks a user stuck past the deadline
        for (Thread t : threads) t.join(1000);
        // requests that finished after the last tick count in the last second
        double[] tailLatency = sample(totalSecs);
        List<BenchResult.Second> timeline = new ArrayList<>();
        for (int k = 0; k < totalSecs; k++) {
            long okK = secOk.get(k), errK = secErr.get(k), fK = secFull.get(k), rK = secResumed.get(k);
            double[] l = perSecondLatency.get(k);
            if (k == totalSecs - 1) {
                for (int i = totalSecs; i < secOk.length(); i++) {
                    okK += secOk.get(i);
                    errK += secErr.get(i);
                    fK += secFull.get(i);
                    rK += secResumed.get(i);
                }
                l = new double[] {l[0], Math.max(l[1], tailLatency[1]), Math.max(l[2], tailLatency[2])};
            }
            timeline.add(new BenchResult.Second(k, okK, errK, fK, rK, l[0], l[1], l[2]));
        }
        Double cpu1 = o.getServerPid() > 0 ? ProcCpu.seconds(o.getServerPid()).orElse(null) : null;
        double client1 = clientCpu();
        HandshakeCounter.Counts saw1 = readCounter();
        BenchResult.HookRun hookRun = hook == null ? null : hook.finish(measureStart);

        Map<String, Long> byKind = new TreeMap<>();
        errorsByKind.forEach((k, v) -> byKind.put(k, v.sum()));
        Map<String, Long> be = new TreeMap<>();
        backends.forEach((k, v) -> be.put(k, v.sum()));
        List<BenchResult.Violation> listed = new ArrayList<>();
        for (BenchResult.Violation v : firstViolation.values()) {
            listed.add(new BenchResult.Violation(v.user(), v.request(), v.at(), v.expected(), v.got(), usersViolated.get(v.user()).sum()));
        }
        listed.sort((a, b) -> Double.compare(a.at(), b.at()));
        if (listed.size() > o.getMaxViolationsListed()) listed = new ArrayList<>(listed.subList(0, o.getMaxViolationsListed()));
        String label = o.getLabel() != null ? o.getLabel() : o.getScenario().cliName() + " " + o.getUrl();
        return new BenchResult(new BenchOptions(o), label, startedAt, o.getDuration().toMillis() / 1000.0,
                ok.sum(), errors.sum(), byKind, new TreeMap<>(firstErrorDetail), full.sum(), resumed.sum(), lost.sum(),
                retries.sum(), warmupOps.sum(), summary(latencyTotal), o.openLoop() ? summary(serviceTotal) : null,
                curve(latencyTotal), timeline, late.sum(), unsent(), be, users.size(), violationsCount.sum(), usersViolated.size(),
                listed, errorWindows(timeline),
                firstError.get() == Long.MAX_VALUE ? null : (firstError.get() - measureStart) / 1e9,
                lastError.get() == Long.MIN_VALUE ? null : (lastError.get() - measureStart) / 1e9,
                hookRun, cpu0 != null && cpu1 != null ? cpu1 - cpu0 : null, client1 - client0,
                saw0 != null && saw1 != null ? saw1.minus(saw0) : null, summary(hiccupTotal));
    }

    /**
     * The client's own stalls (jHiccup's method): sleep 1 ms again and again and record how much longer it took.
     * A stall delays every user at once; in open loop it shows up as latency that the server did not cause.
     */
    private void hiccupLoop() {
        sleepUntil(measureStart);
        while (!stop) {
            long t0 = System.nanoTime();
            LockSupport.parkNanos(1_000_000L);
            long over = System.nanoTime() - t0 - 1_000_000L;
            synchronized (hiccupTotal) {
                hiccupTotal.recordValue(Math.max(1, over));
            }
        }
    }

    /** Open-loop arrivals due in [measureStart, end) that were never started. */
    private long unsent() {
        if (!o.openLoop()) return 0;
        double interval = 1e9 / o.getRate();
        long firstK = (long) Math.ceil((measureStart - start) / interval);
        long endK = (long) Math.ceil((end - start) / interval);
        return Math.max(0, (endK - firstK) - (ok.sum() + errors.sum()));
    }

    private void userLoop(VirtualUser u) {
        double intervalNs = o.openLoop() ? 1e9 / o.getRate() : 0;
        // closed-loop users start spread over 10 ms so the first handshakes do not all collide
        if (!o.openLoop()) sleepUntil(start + (long) (u.id() * 1e7 / Math.max(1, o.getConnections())));
        while (!stop) {
            long due;
            if (o.openLoop()) {
                due = start + (long) (openLoopSeq.getAndIncrement() * intervalNs);
                if (due >= end) break;
                sleepUntil(due);
            } else {
                due = System.nanoTime();
                if (due >= end) break;
            }
            if (stop) break;
            long began = System.nanoTime();
            Outcome out = driver.execute(u);
            long done = System.nanoTime();
            record(u, out, due, began, done);
        }
        driver.closeConnection(u);
    }

    private void record(VirtualUser u, Outcome out, long due, long began, long done) {
        if (due < measureStart) {
            warmupOps.increment();
            return;
        }
        int sec = (int) Math.min(secOk.length() - 1, Math.max(0, (done - measureStart) / 1_000_000_000L));
        if (out.handshake() == Outcome.Handshake.FULL) {
            full.increment();
            secFull.incrementAndGet(sec);
        } else if (out.handshake() == Outcome.Handshake.RESUMED) {
            resumed.increment();
            secResumed.incrementAndGet(sec);
        }
        if (out.sessionLost()) lost.increment();
        if (out.retried()) retries.increment();
        if (out.backendId() != null) {
            backends.computeIfAbsent(out.backendId(), k -> new LongAdder()).increment();
            String first = u.firstBackend();
            if (first != null && !first.equals(out.backendId())) {
                violationsCount.increment();
                usersViolated.computeIfAbsent(u.id(), k -> new LongAdder()).increment();
                firstViolation.putIfAbsent(u.id(), new BenchResult.Violation(u.id(), u.requests(), (done - measureStart) / 1e9,
                        first, out.backendId(), 0));
            }
        }
        if (out.ok()) {
            ok.increment();
            secOk.incrementAndGet(sec);
            latency.recordValue(Math.max(1, done - due));
            if (o.openLoop()) {
                service.recordValue(Math.max(1, done - began));
                if (began - due > LATE_NANOS) late.increment();
            }
        } else {
            errors.increment();
            secErr.incrementAndGet(sec);
            errorsByKind.computeIfAbsent(out.error(), k -> new LongAdder()).increment();
            firstErrorDetail.putIfAbsent(out.error(), out.detail() == null ? "" : out.detail());
            firstError.accumulateAndGet(done, Math::min);
            lastError.accumulateAndGet(done, Math::max);
        }
    }

    /** Folds the last second's latencies into the totals; returns {p50, p99, max} in us and prints progress. */
    private double[] sample(int k) {
        Histogram h = latency.getIntervalHistogram();
        latencyTotal.add(h);
        if (o.openLoop()) serviceTotal.add(service.getIntervalHistogram());
        double[] l = h.getTotalCount() == 0 ? new double[3]
                : new double[] {us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(99)), us(h.getMaxValue())};
        int totalSecs = (int) Math.ceil(o.getDuration().toMillis() / 1000.0);
        if (progress != null && k < totalSecs) {
            progress.accept(String.format("[%4ds/%ds] %s ok=%d/s err=%d full=%d resumed=%d p50=%s p99=%s total_ok=%d total_err=%d",
                    k + 1, totalSecs, o.getScenario().cliName(), secOk.get(k), secErr.get(k), secFull.get(k),
                    secResumed.get(k), fmtUs(l[0]), fmtUs(l[1]), ok.sum(), errors.sum()));
        }
        return l;
    }

    static String fmtUs(double us) {
        if (us >= 1_000_000) return String.format("%.2fs", us / 1e6);
        if (us >= 1000) return String.format("%.2fms", us / 1000);
        return String.format("%.0fus", us);
    }

    private static double us(long nanos) {
        return nanos / 1000.0;
    }

    private static BenchResult.Latency summary(Histogram h) {
        if (h.getTotalCount() == 0) return new BenchResult.Latency(0, 0, 0, 0, 0, 0, 0);
        return new BenchResult.Latency(h.getTotalCount(), h.getMean() / 1000.0, us(h.getValueAtPercentile(50)),
                us(h.getValueAtPercentile(90)), us(h.getValueAtPercentile(99)), us(h.getValueAtPercentile(99.9)), us(h.getMaxValue()));
    }

    /** (percentile, latency us) points, HdrHistogram's percentile distribution (5 ticks per half distance). */
    private static List<double[]> curve(Histogram h) {
        List<double[]> out = new ArrayList<>();
        if (h.getTotalCount() == 0) return out;
        for (HistogramIterationValue v : h.percentiles(5)) {
            out.add(new double[] {v.getPercentileLevelIteratedTo(), us(v.getValueIteratedTo())});
            if (v.getPercentileLevelIteratedTo() >= 100.0 || out.size() > 200) break;
        }
        return out;
    }

    private static List<BenchResult.ErrorWindow> errorWindows(List<BenchResult.Second> timeline) {
        List<BenchResult.ErrorWindow> w = new ArrayList<>();
        int from = -1;
        long n = 0;
        for (BenchResult.Second s : timeline) {
            if (s.errors() > 0) {
                if (from < 0) from = s.t();
                n += s.errors();
            } else if (from >= 0) {
                w.add(new BenchResult.ErrorWindow(from, s.t(), n));
                from = -1;
                n = 0;
            }
        }
        if (from >= 0) w.add(new BenchResult.ErrorWindow(from, timeline.get(timeline.size() - 1).t() + 1, n));
        return w;
    }

    private HandshakeCounter.Counts readCounter() {
        if (serverCounter == null) return null;
        try {
            return serverCounter.read();
        } catch (IOException | RuntimeException e) {
            log.warn("cannot read the server's handshake counters: {}", e.toString());
            return null;
        }
    }

    private static double clientCpu() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean s) return s.getProcessCpuTime() / 1e9;
        return Double.NaN;
    }

    static void sleepUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Runs the hook once at its time; keeps its output in a temp file; ends it (and only it) if still running. */
    private final class HookRunner extends Thread {
        private final String command;
        private final long at;
        private volatile Process process;
        private volatile long startedNs;
        private volatile long endedNs;
        private volatile Path output;

        HookRunner(String command, long at) {
            super("bench-hook");
            setDaemon(true);
            this.command = command;
            this.at = at;
        }

        @Override
        public void run() {
            sleepUntil(at);
            try {
                output = Files.createTempFile("sslfarm-bench-hook", ".log");
                startedNs = System.nanoTime();
                process = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).start();
                log.info("hook started (pid {}): {}", process.pid(), command);
                process.waitFor();
                endedNs = System.nanoTime();
            } catch (IOException e) {
                log.warn("hook could not start: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        BenchResult.HookRun finish(long zero) throws InterruptedException {
            join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(at - System.nanoTime()) + 5000));
            Process p = process;
            Integer exit = null;
            if (p != null) {
                if (p.isAlive()) {
                    log.warn("hook still running at the end of the bench: stopping pid {}", p.pid());
                    p.descendants().forEach(ProcessHandle::destroy);
                    p.destroy();
                    if (!p.waitFor(3, TimeUnit.SECONDS)) p.destroyForcibly();
                } else {
                    exit = p.exitValue();
                }
            }
            String tail = "";
            if (output != null) {
                try {
                    byte[] b = Files.readAllBytes(output);
                    int from = Math.max(0, b.length - 4096);
                    tail = new String(b, from, b.length - from, StandardCharsets.UTF_8);
                    Files.deleteIfExists(output);
                } catch (IOException e) {
                    tail = "(output unreadable: " + e + ")";
                }
            }
            double started = startedNs == 0 ? (at - zero) / 1e9 : (startedNs - zero) / 1e9;
            Double ended = endedNs == 0 ? null : (endedNs - zero) / 1e9;
            return new BenchResult.HookRun(command, started, ended, exit, tail);
        }
    }
}
