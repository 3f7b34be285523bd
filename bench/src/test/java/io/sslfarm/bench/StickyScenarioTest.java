package io.sslfarm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class StickyScenarioTest {

    @TempDir
    Path tmp;

    private BenchOptions sticky(TestTlsServer server) throws Exception {
        return new BenchOptions().setScenario(Scenario.STICKY).setUrl(server.url()).setCaCert(server.writeCa(tmp))
                .setConnections(6).setDuration(Duration.ofMillis(1500)).setWarmup(Duration.ZERO);
    }

    @Test
    void stickyBackend_noViolations_andEveryBackendSeen() throws Exception {
        try (TestTlsServer server = new TestTlsServer(new String[] {"a", "b", "c"}, true)) {
            BenchResult r = BenchRunner.run(sticky(server));

            assertThat(r.errors()).isZero();
            assertThat(r.stickyViolations()).isZero();
            assertThat(r.backends()).containsOnlyKeys("a", "b", "c");
            assertThat(r.backends().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(r.ok());
            assertThat(r.anyViolation()).isFalse();
        }
    }

    @Test
    void injectedViolation_isReportedForThatUserOnly_fromTheHeader() throws Exception {
        try (TestTlsServer server = new TestTlsServer(new String[] {"a", "b", "c"}, true)) {
            server.injectViolation(5);
            BenchResult r = BenchRunner.run(sticky(server));

            assertThat(r.usersViolated()).isEqualTo(1);
            assertThat(r.stickyViolations()).isGreaterThan(0);
            assertThat(r.violations()).singleElement().satisfies(v -> {
                assertThat(v.got()).isEqualTo(v.expected() + "-other");
                assertThat(v.request()).isEqualTo(6);   // requests 1..5 (1-based) answered by its backend, #6 went elsewhere
                assertThat(v.requests()).isEqualTo(r.stickyViolations());
            });
            // every request of the victim after its 5th went elsewhere: the count is exact
            assertThat(r.stickyViolations()).isEqualTo(r.backends().entrySet().stream()
                    .filter(e -> e.getKey().endsWith("-other")).mapToLong(java.util.Map.Entry::getValue).sum());
            assertThat(r.anyViolation()).isTrue();
        }
    }

    @Test
    void injectedViolation_isFoundInTheBody_whenNoHeaderIsConfigured() throws Exception {
        try (TestTlsServer server = new TestTlsServer(new String[] {"a", "b"}, false)) {
            server.injectViolation(3);
            BenchResult r = BenchRunner.run(sticky(server).setBackendHeader("").setBackendPattern("backend=(\\S+)"));

            assertThat(r.usersViolated()).isEqualTo(1);
            assertThat(r.violations()).singleElement().satisfies(v -> assertThat(v.request()).isEqualTo(4));
            assertThat(r.backends()).containsKeys("a", "b");
        }
    }

    @Test
    void failover_hookAndServerDeath_reportErrorWindowAndHook() throws Exception {
        TestTlsServer server = new TestTlsServer(new String[] {"a"}, true);
        try {
            BenchOptions o = sticky(server).setScenario(Scenario.FAILOVER).setDuration(Duration.ofSeconds(3))
                    .setTimeout(Duration.ofMillis(500)).setHook("echo draining node-1").setHookAt(Duration.ofSeconds(1));
            // the "operator" kills the server 1.5 s into the run: every later request fails to connect
            Thread killer = new Thread(() -> {
                LoadEngine.sleepUntil(System.nanoTime() + Duration.ofMillis(1500).toNanos());
                try {
                    server.close();
                } catch (Exception ignored) {
                    // test helper
                }
            });
            killer.start();
            BenchResult r = BenchRunner.run(o);
            killer.join();

            assertThat(r.ok()).isGreaterThan(0);
            assertThat(r.errors()).isGreaterThan(0);
            assertThat(r.errorsByKind()).containsKey("connect");
            assertThat(r.firstErrorAt()).isBetween(1.3, 2.5);
            assertThat(r.errorWindows()).isNotEmpty();
            assertThat(r.errorWindows().get(r.errorWindows().size() - 1).to()).isEqualTo(3);
            assertThat(r.hook().exitCode()).isZero();
            assertThat(r.hook().outputTail()).contains("draining node-1");
            assertThat(r.hook().startedAt()).isBetween(0.9, 1.5);
        } finally {
            server.close();
        }
    }
}
