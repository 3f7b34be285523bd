package io.sslfarm.bench.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * CPU time of a process from {@code /proc/PID/stat} (proc(5)): utime+stime of the process and of its live
 * descendants (nginx workers, HAProxy threads are in the process already) plus cutime+cstime of children it reaped.
 */
public final class ProcCpu {

    private static final double TICKS = clockTicks();

    private ProcCpu() {
    }

    /** CPU-seconds used so far by pid and its children, or empty when the process is gone or /proc is absent. */
    public static Optional<Double> seconds(long pid) {
        Optional<long[]> own = ticks(pid);
        if (own.isEmpty()) return Optional.empty();
        long total = own.get()[0] + own.get()[1];
        for (ProcessHandle d : ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(java.util.List.of())) {
            total += ticks(d.pid()).map(t -> t[0]).orElse(0L);
        }
        return Optional.of(total / TICKS);
    }

    /** [utime+stime, cutime+cstime] in clock ticks. */
    static Optional<long[]> ticks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // field 2 (comm) may contain spaces and ')': fields after the last ')' start at field 3
            String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
            // field 14 utime, 15 stime, 16 cutime, 17 cstime -> indices 11..14 after field 3
            long ut = Long.parseLong(f[11]), st = Long.parseLong(f[12]), cut = Long.parseLong(f[13]), cst = Long.parseLong(f[14]);
            return Optional.of(new long[] {ut + st, cut + cst});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Double.parseDouble(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
