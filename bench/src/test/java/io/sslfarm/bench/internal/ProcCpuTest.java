package io.sslfarm.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class ProcCpuTest {

    private static double jvmCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    @Test
    void ownProcess_agreesWithTheJvmsCpuTime_goneProcess_isEmpty() {
        long pid = ProcessHandle.current().pid();
        double jvm0 = jvmCpu(), proc0 = ProcCpu.seconds(pid).orElseThrow();
        long x = 0;
        long until = System.nanoTime() + 10_000_000_000L;   // the box is shared: burn 0.3 s of CPU, however long it takes
        while (jvmCpu() - jvm0 < 0.3 && System.nanoTime() < until) x += System.nanoTime() % 7;
        double jvm = jvmCpu() - jvm0, proc = ProcCpu.seconds(pid).orElseThrow() - proc0;
        assertThat(jvm).as("burned %d", x).isGreaterThanOrEqualTo(0.3);
        assertThat(proc).isCloseTo(jvm, within(0.08));   // clock-tick resolution plus other JVM threads
        assertThat(ProcCpu.seconds(Long.MAX_VALUE / 2)).isEmpty();
    }
}
