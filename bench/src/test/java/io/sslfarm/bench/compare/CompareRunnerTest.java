package io.sslfarm.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sslfarm.bench.BenchOptions;
import io.sslfarm.bench.BenchResult;
import io.sslfarm.bench.Scenario;
import io.sslfarm.bench.report.CompareReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real HAProxy and nginx from the OS packages; skipped where they are not installed. */
@Timeout(120)
class CompareRunnerTest {

    @TempDir
    Path tmp;

    static boolean onPath(String bin) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, bin))) return true;
        }
        return false;
    }

    private static BenchOptions bench(Scenario s) {
        return new BenchOptions().setScenario(s).setUrl("https://placeholder/").setConnections(4)
                .setDuration(Duration.ofSeconds(1)).setWarmup(Duration.ZERO);
    }

    @Test
    void handshakeAgainstHaproxyAndNginx_fullOnly_serverCountsAgree_processesStopped() throws Exception {
        assumeTrue(onPath("haproxy") && onPath("nginx"), "haproxy and nginx not installed");
        CompareResult c = CompareRunner.run(new CompareOptions().setBench(bench(Scenario.HANDSHAKE)).setWorkdir(tmp)
                .setPause(Duration.ZERO).setHtmlOut(tmp.resolve("c.html")).setJsonOut(tmp.resolve("c.json")), null);

        assertThat(c.targets()).extracting(CompareResult.Target::name).containsExactly("haproxy", "nginx");
        for (CompareResult.Target t : c.targets()) {
            BenchResult r = t.compared();
            assertThat(r.errors()).as(t.name()).isZero();
            assertThat(r.ok()).as(t.name()).isGreaterThan(10);
            assertThat(r.resumedHandshakes()).as(t.name()).isZero();
            assertThat(r.backends()).as(t.name()).containsOnlyKeys("compare-backend");
            assertThat(r.serverCpuSeconds()).as(t.name()).isNotNull().isGreaterThan(0.0);
            assertThat(ProcessHandle.of(t.pid()).map(ProcessHandle::isAlive).orElse(false)).as(t.name() + " stopped").isFalse();
        }
        BenchResult haproxy = c.targets().get(0).compared();
        // HAProxy's own counters (admin socket) saw exactly our full handshakes and no resumption
        assertThat(haproxy.serverSaw()).isNotNull();
        assertThat(haproxy.serverSaw().resumed()).isZero();
        assertThat(haproxy.serverSaw().full()).isEqualTo(haproxy.fullHandshakes());
        assertThat(Files.readString(tmp.resolve("c.html"))).contains("<svg", "haproxy", "nginx").doesNotContain("http://cdn", "<script src");
        assertThat(Files.readString(tmp.resolve("c.json"))).contains("\"baseline\" : \"haproxy\"");
        assertThat(CompareReport.table(c)).contains("req per server CPU-s");
    }

    @Test
    void resumeAgainstHaproxy_reportsHaproxysResumedCount() throws Exception {
        assumeTrue(onPath("haproxy") && onPath("nginx"), "haproxy and nginx not installed");
        for (String tls : List.of("1.3", "1.2")) {
            CompareResult c = CompareRunner.run(new CompareOptions().setBench(bench(Scenario.RESUME).setTlsVersion(tls))
                    .setServers(List.of(CompareOptions.Server.HAPROXY)).setWorkdir(tmp.resolve(tls)).setPause(Duration.ZERO), null);
            BenchResult r = c.targets().get(0).compared();

            assertThat(r.errors()).as(tls).isZero();
            assertThat(r.fullHandshakes()).as(tls).isEqualTo(4);
            assertThat(r.resumedHandshakes()).as(tls).isGreaterThan(10);
            assertThat(r.serverSaw().resumed()).as(tls).isEqualTo(r.resumedHandshakes());
            assertThat(r.serverSaw().full()).as(tls).isEqualTo(r.fullHandshakes());
        }
    }
}
