package io.sslfarm.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigSchema;
import io.sslfarm.config.NodeConfigLoader;
import io.sslfarm.ssl.tls.TlsEngineKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SslOptionsTest {

  static NodeConfigLoader loader() {
    return new NodeConfigLoader(ConfigSchema.of(SslOptions.KEYS));
  }

  @Test
  void defaults() {
    SslOptions o = SslOptions.from(loader().load(null, Map.of(), Map.of()));
    assertThat(o.getPort()).isEqualTo(9443);
    assertThat(o.isProxyProtocol()).isTrue();
    assertThat(o.getEngine()).isEqualTo(TlsEngineKind.CONSCRYPT);
    assertThat(o.getProtocols()).containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
    assertThat(o.getAlpn()).containsExactly("h2", "http/1.1");
    assertThat(o.getTrustedProxies()).containsExactly("127.0.0.0/8", "::1/128");
    assertThat(o.getHandshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void environmentAndFileValues() {
    SslOptions o = SslOptions.from(loader().load(null, Map.of("SSLFARM_SSL_ENGINE", "openssl",
        "SSLFARM_SSL_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1"), Map.of("ssl.proxy-protocol", "off",
        "ssl.ticket-rotation", "30m", "ssl.alpn", List.of("http/1.1"))));
    assertThat(o.getEngine()).isEqualTo(TlsEngineKind.OPENSSL);
    assertThat(o.isProxyProtocol()).isFalse();
    assertThat(o.getTicketRotation()).isEqualTo(Duration.ofMinutes(30));
    assertThat(o.getTrustedProxies()).containsExactly("10.0.0.0/8", "192.168.1.1");
    assertThat(o.getAlpn()).containsExactly("http/1.1");
  }

  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(() -> SslOptions.from(loader().load(null, Map.of(),
        Map.of("ssl.trusted-proxies", List.of("edge.example")))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.trusted-proxies");
    assertThatThrownBy(() -> SslOptions.from(loader().load(null, Map.of(), Map.of("ssl.protocols", "TLSv1"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.protocols");
    assertThatThrownBy(() -> loader().load(null, Map.of(), Map.of("ssl.engine", "jdk")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.engine");
  }
}
