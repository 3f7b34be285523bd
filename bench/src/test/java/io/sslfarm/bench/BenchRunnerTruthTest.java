package io.sslfarm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The harness's counts against a server that counts for itself. Warm-up 0, so both count the same handshakes. */
@Timeout(60)
class BenchRunnerTruthTest {

    @TempDir
    Path tmp;

    private BenchOptions options(TestTlsServer server, Scenario scenario) throws Exception {
        return new BenchOptions().setScenario(scenario).setUrl(server.url()).setCaCert(server.writeCa(tmp))
                .setConnections(4).setDuration(Duration.ofMillis(1500)).setWarmup(Duration.ZERO);
    }

    @ParameterizedTest(name = "tls {0}, client {1}")
    @CsvSource({"1.3, CONSCRYPT", "1.2, CONSCRYPT", "1.3, JDK", "1.2, JDK"})
    void handshakeScenario_reportsZeroResumed_andServerSawZeroResumed(String tls, BenchOptions.Provider provider) throws Exception {
        try (TestTlsServer server = new TestTlsServer(new String[] {"a"}, true)) {
            BenchResult r = BenchRunner.run(options(server, Scenario.HANDSHAKE).setTlsVersion(tls).setProvider(provider), null, server);

            assertThat(r.errors()).isZero();
            assertThat(r.ok()).isGreaterThan(20);
            assertThat(r.resumedHandshakes()).isZero();
            assertThat(r.fullHandshakes()).isEqualTo(r.ok());
            assertThat(r.latency().count()).isEqualTo(r.ok());
            assertThat(r.serverSaw().resumed()).isZero();
            assertThat(r.serverSaw().full()).isEqualTo(r.fullHandshakes());
            assertThat(r.anyViolation()).isFalse();
        }
    }

    @ParameterizedTest(name = "tls {0}, client {1}")
    @CsvSource({"1.3, CONSCRYPT", "1.2, CONSCRYPT", "1.3, JDK", "1.2, JDK"})
    void resumeScenario_reportsTheServersResumedCount(String tls, BenchOptions.Provider provider) throws Exception {
        try (TestTlsServer server = new TestTlsServer(new String[] {"a"}, true)) {
            BenchResult r = BenchRunner.run(options(server, Scenario.RESUME).setTlsVersion(tls).setProvider(provider), null, server);

            assertThat(r.errors()).isZero();
            assertThat(r.resumedHandshakes()).isEqualTo(r.serverSaw().resumed());
            assertThat(r.fullHandshakes()).isEqualTo(r.serverSaw().full());
            // each of the 4 users does one full handshake, then resumes
            assertThat(r.fullHandshakes()).isEqualTo(4);
            assertThat(r.resumedHandshakes()).isGreaterThan(20);
            assertThat(r.resumedShare()).isGreaterThan(0.8);
            assertThat(r.sessionsLost()).isZero();
        }
    }

    @Test
    void keepaliveScenario_handshakesOncePerConnection() throws Exception {
        try (TestTlsServer server = new TestTlsServer(new String[] {"a"}, true)) {
            BenchResult r = BenchRunner.run(options(server, Scenario.KEEPALIVE), null, server);

            assertThat(r.errors()).isZero();
            assertThat(r.ok()).isEqualTo(server.requests.get());
            assertThat(r.handshakes()).isEqualTo(4);
            assertThat(r.serverSaw().full() + r.serverSaw().resumed()).isEqualTo(4);
            assertThat(r.timeline()).hasSize(2);
            assertThat(r.timeline().stream().mapToLong(BenchResult.Second::ok).sum()).isEqualTo(r.ok());
        }
    }
}
