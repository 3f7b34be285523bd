package io.sslfarm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    private static BenchOptions ok() {
        return new BenchOptions().setUrl("https://localhost:8443/").setInsecure(true);
    }

    @Test
    void defaults() {
        BenchOptions o = ok().validate();
        assertThat(o.getConnections()).isEqualTo(32);
        assertThat(o.getDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.getWarmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.openLoop()).isFalse();
        assertThat(o.getProvider()).isEqualTo(BenchOptions.Provider.CONSCRYPT);
        assertThat(o.requestTarget()).isEqualTo("/");
        assertThat(o.port()).isEqualTo(8443);
        assertThat(new BenchOptions().setScenario(Scenario.HANDSHAKE).effectiveConnectionMode()).isEqualTo(ConnectionMode.NEW_SESSION);
        assertThat(new BenchOptions().setScenario(Scenario.STICKY).effectiveConnectionMode()).isEqualTo(ConnectionMode.RESUME);
        assertThat(ok().setConnectionMode(ConnectionMode.KEEPALIVE).setScenario(Scenario.STICKY).effectiveConnectionMode())
                .isEqualTo(ConnectionMode.KEEPALIVE);
    }

    @Test
    void badValues_nameTheOption() {
        assertThatThrownBy(() -> new BenchOptions().validate()).hasMessageStartingWith("url:");
        assertThatThrownBy(() -> ok().setUrl("ftp://x/").validate()).hasMessageStartingWith("url:");
        assertThatThrownBy(() -> ok().setUrl("http://x/").setScenario(Scenario.HANDSHAKE).validate()).hasMessageStartingWith("url:");
        assertThatThrownBy(() -> ok().setConnections(0).validate()).hasMessageStartingWith("connections:");
        assertThatThrownBy(() -> ok().setRate(-1).validate()).hasMessageStartingWith("rate:");
        assertThatThrownBy(() -> ok().setDuration(Duration.ofHours(3)).validate()).hasMessageStartingWith("duration:");
        assertThatThrownBy(() -> ok().setTlsVersion("1.1").validate()).hasMessageStartingWith("tls:");
        assertThatThrownBy(() -> ok().setCaCert(Path.of("x.pem")).validate()).hasMessageStartingWith("insecure:");
        assertThatThrownBy(() -> ok().setInsecure(false).validate()).hasMessageStartingWith("cacert:");
        assertThatThrownBy(() -> ok().addHeader("no colon").validate()).hasMessageStartingWith("header:");
        assertThatThrownBy(() -> ok().setBackendPattern("backend=\\S+").validate()).hasMessageStartingWith("backend-pattern:");
        assertThatThrownBy(() -> ok().setHook("true").setHookAt(Duration.ofSeconds(10)).validate()).hasMessageStartingWith("hook-at:");
        assertThatThrownBy(() -> Scenario.parse("nope")).hasMessageStartingWith("scenario:");
        assertThatThrownBy(() -> ConnectionMode.parse("nope")).hasMessageStartingWith("connection-mode:");
    }

    @Test
    void copy_isIndependent() {
        BenchOptions a = ok().addHeader("X-A: 1");
        BenchOptions b = new BenchOptions(a).addHeader("X-B: 2").setConnections(3);
        assertThat(a.getHeaders()).containsExactly("X-A: 1");
        assertThat(a.getConnections()).isEqualTo(32);
        assertThat(b.toJson().getInteger("connections")).isEqualTo(3);
    }
}
