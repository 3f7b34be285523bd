package io.sslfarm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class OpenLoopTest {

    @TempDir
    Path tmp;

    @Test
    void openLoop_sendsTheFixedRate_whenTheServerKeepsUp() throws Exception {
        try (TestTlsServer server = new TestTlsServer(new String[] {"a"}, true)) {
            BenchResult r = BenchRunner.run(new BenchOptions().setScenario(Scenario.KEEPALIVE).setUrl(server.url())
                    .setCaCert(server.writeCa(tmp)).setConnections(4).setRate(200).setDuration(Duration.ofSeconds(2))
                    .setWarmup(Duration.ofMillis(500)));

            assertThat(r.errors()).isZero();
            assertThat((double) r.ok()).isCloseTo(400, within(2.0));
            assertThat(r.warmupOperations()).isBetween(99L, 101L);
            assertThat(r.serviceTime()).isNotNull();
            assertThat(r.unsent()).isZero();
            assertThat(r.latency().count()).isEqualTo(r.ok());
            assertThat(r.serviceTime().count()).isEqualTo(r.ok());
        }
    }

    @Test
    void openLoop_latencyCountsTheWaitForABusyConnection_coordinatedOmissionCorrected() throws Exception {
        try (TestTlsServer server = new TestTlsServer(new String[] {"a"}, true)) {
            server.delayMillis = 50;   // capacity of one connection: 20 req/s; offered: 40 req/s
            BenchResult r = BenchRunner.run(new BenchOptions().setScenario(Scenario.KEEPALIVE).setUrl(server.url())
                    .setCaCert(server.writeCa(tmp)).setConnections(1).setRate(40).setDuration(Duration.ofSeconds(2))
                    .setWarmup(Duration.ZERO));

            // each request takes ~50 ms to serve, but the queue behind the single connection grows all run long
            assertThat(r.serviceTime().p50()).isBetween(45_000.0, 150_000.0);
            assertThat(r.latency().max()).isGreaterThan(700_000.0);
            assertThat(r.latency().p99()).isGreaterThan(5 * r.serviceTime().p99());
            assertThat(r.lateStarts()).isGreaterThan(r.ok() / 2);
            assertThat(r.unsent()).isBetween(30L, 50L);   // 80 due, ~40 served
        }
    }

    @Test
    void closedLoop_latencyIsServiceTime() throws Exception {
        try (TestTlsServer server = new TestTlsServer(new String[] {"a"}, true)) {
            server.delayMillis = 50;
            BenchResult r = BenchRunner.run(new BenchOptions().setScenario(Scenario.KEEPALIVE).setUrl(server.url())
                    .setCaCert(server.writeCa(tmp)).setConnections(1).setDuration(Duration.ofSeconds(1)).setWarmup(Duration.ZERO));

            assertThat(r.serviceTime()).isNull();
            assertThat(r.latency().max()).isLessThan(400_000.0);
            assertThat(r.ok()).isBetween(10L, 21L);
        }
    }
}
