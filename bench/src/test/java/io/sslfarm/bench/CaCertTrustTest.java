package io.sslfarm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --cacert} with a server whose leaf is issued by that CA (what {@code sslfarm up} serves, with
 * {@code .sslfarm/dev-ca/ca.pem}), not a self-signed leaf trusted directly.
 *
 * <p>The difference matters: the JDK's PKIX validator skips its end-entity (key usage by auth type) check when the
 * leaf itself is the trust anchor, so only a CA-issued leaf shows that Conscrypt's TLS 1.3 auth type "GENERIC" is
 * refused by a SunJSSE trust manager ("Unknown authType: GENERIC", conscrypt issue #1033).
 */
@Timeout(60)
class CaCertTrustTest {

    @TempDir
    Path tmp;

    private DevCa ca;

    private TestTlsServer server(String... protocols) throws Exception {
        ca = DevCa.loadOrCreate(tmp.resolve("dev-ca"));
        GeneratedCertificate leaf = ca.issue("localhost");
        return new TestTlsServer(leaf.chain(), leaf.key(), new String[] {"a"}, true, protocols);
    }

    private BenchOptions options(TestTlsServer server, Scenario scenario, String tls, BenchOptions.Provider provider) {
        return new BenchOptions().setScenario(scenario).setUrl(server.url())
                .setCaCert(tmp.resolve("dev-ca").resolve(DevCa.CERT_FILE)).setTlsVersion(tls).setProvider(provider)
                .setConnections(2).setDuration(Duration.ofMillis(1000)).setWarmup(Duration.ZERO);
    }

    @ParameterizedTest(name = "tls {0}, client {1}")
    @CsvSource({"1.3, CONSCRYPT", "1.2, CONSCRYPT", "1.3, JDK", "1.2, JDK"})
    void handshakeScenario_caIssuedLeaf_isTrusted(String tls, BenchOptions.Provider provider) throws Exception {
        try (TestTlsServer server = server()) {
            BenchResult r = BenchRunner.run(options(server, Scenario.HANDSHAKE, tls, provider), null, server);

            assertThat(r.errorsByKind()).as("first errors: %s", r.firstErrorDetail()).isEmpty();
            assertThat(r.errors()).isZero();
            assertThat(r.ok()).isGreaterThan(5);
            assertThat(r.fullHandshakes()).isEqualTo(r.ok());
            assertThat(r.serverSaw().full()).isEqualTo(r.fullHandshakes());
        }
    }

    /** The reported case: {@code bench keepalive URL --cacert ca.pem}, default client (Conscrypt), TLS 1.3 only. */
    @Test
    void keepalive_conscryptClient_tls13Server_caIssuedLeaf() throws Exception {
        try (TestTlsServer server = server("TLSv1.3")) {
            BenchResult r = BenchRunner.run(options(server, Scenario.KEEPALIVE, null, BenchOptions.Provider.CONSCRYPT),
                    null, server);

            assertThat(r.errorsByKind()).as("first errors: %s", r.firstErrorDetail()).isEmpty();
            assertThat(r.ok()).isEqualTo(server.requests.get()).isGreaterThan(10);
            assertThat(r.handshakes()).isEqualTo(2);
        }
    }

    /** Trusting the CA must not mean trusting any name: the leaf is for localhost only. */
    @ParameterizedTest(name = "tls {0}, client {1}")
    @CsvSource({"1.3, CONSCRYPT", "1.2, CONSCRYPT", "1.3, JDK", "1.2, JDK"})
    void wrongHostName_isRefused(String tls, BenchOptions.Provider provider) throws Exception {
        try (TestTlsServer server = server()) {
            BenchResult r = BenchRunner.run(options(server, Scenario.HANDSHAKE, tls, provider)
                    .setServerName("not-localhost.example"), null, server);

            assertThat(r.ok()).isZero();
            assertThat(r.errors()).isPositive();
            assertThat(r.errorsByKind()).as("first errors: %s", r.firstErrorDetail()).containsOnlyKeys("handshake");
            // SunJSSE: "No subject alternative DNS name matching ...", Conscrypt: "No subjectAltNames on the certificate match"
            assertThat(r.firstErrorDetail().get("handshake")).containsPattern("(?i)subject ?alt");
        }
    }

    /** A leaf from another CA than the one given as --cacert is refused. */
    @ParameterizedTest(name = "tls {0}, client {1}")
    @CsvSource({"1.3, CONSCRYPT", "1.3, JDK"})
    void otherCa_isRefused(String tls, BenchOptions.Provider provider) throws Exception {
        try (TestTlsServer server = server()) {
            DevCa other = DevCa.loadOrCreate(tmp.resolve("other-ca"));
            BenchResult r = BenchRunner.run(options(server, Scenario.HANDSHAKE, tls, provider)
                    .setCaCert(other.dir().resolve(DevCa.CERT_FILE)), null, server);

            assertThat(r.ok()).isZero();
            assertThat(r.errors()).isPositive();
            assertThat(r.errorsByKind()).as("first errors: %s", r.firstErrorDetail()).containsOnlyKeys("handshake");
            assertThat(r.firstErrorDetail().get("handshake")).containsPattern("(?i)certification path|PKIX path");
        }
    }
}
