package io.sslfarm.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigSchema;
import io.sslfarm.config.NodeConfigLoader;
import io.sslfarm.node.NodeOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeOptionsTest {

  private static final NodeConfigLoader LOADER =
      new NodeConfigLoader(ConfigSchema.of(NodeOptions.KEYS, EdgeOptions.KEYS));

  @Test
  void defaults() {
    EdgeOptions o = EdgeOptions.from(LOADER.load(null, Map.of(), Map.of()));
    assertThat(o.getPort()).isEqualTo(8443);
    assertThat(o.getBalance()).isEqualTo("p2c");
    assertThat(o.isAcceptProxy()).isFalse();
    assertThat(o.isAclDefaultAllow()).isTrue();
    assertThat(o.getConnectRetries()).isEqualTo(2);
    assertThat(o.getMaxConnectionsPerSource()).isEqualTo(1024);
    assertThat(o.getMaxNewPerSecondPerSource()).isEqualTo(256);
    assertThat(o.getPerSourceExempt()).containsExactly("127.0.0.0/8", "::1/128");
    assertThat(o.getPerSourceIpv4Prefix()).isEqualTo(32);
    assertThat(o.getPerSourceIpv6Prefix()).isEqualTo(64);
    assertThat(new EdgeOptions().getMaxConnectionsPerSource()).as("fluent defaults match the keys").isEqualTo(1024);
    assertThat(new EdgeOptions().getPerSourceExempt()).containsExactly("127.0.0.0/8", "::1/128");
  }

  @Test
  void perSourceKeys_areReadAndCheckedByKey() {
    EdgeOptions o = EdgeOptions.from(LOADER.load(null, Map.of("SSLFARM_EDGE_PER_SOURCE_IPV6_PREFIX", "56"),
        Map.of("edge.per-source-exempt", List.of("10.0.0.0/8"), "edge.per-source-ipv4-prefix", 24)));
    assertThat(o.getPerSourceIpv6Prefix()).isEqualTo(56);
    assertThat(o.getPerSourceIpv4Prefix()).isEqualTo(24);
    assertThat(o.perSourceExemptCidrs().contains(java.net.InetAddress.getLoopbackAddress())).isFalse();
    assertThatThrownBy(() -> EdgeOptions.from(LOADER.load(null, Map.of(),
        Map.of("edge.per-source-exempt", List.of("127.0.0.0/8", "nope")))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("edge.per-source-exempt[1]:");
    assertThatThrownBy(() -> LOADER.load(null, Map.of(), Map.of("edge.per-source-ipv6-prefix", 129)))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("edge.per-source-ipv6-prefix:");
    assertThatThrownBy(() -> new EdgeOptions().setPerSourceIpv4Prefix(0).validate())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("edge.per-source-ipv4-prefix:");
  }

  @Test
  void yamlAndEnvironment_areRead() {
    var c = LOADER.load(null, Map.of("SSLFARM_EDGE_BALANCE", "maglev", "SSLFARM_EDGE_ACL", "deny 10.0.0.0/8"),
        Map.of("edge.health.interval", "250ms"));
    EdgeOptions o = EdgeOptions.from(c);
    assertThat(o.getBalance()).isEqualTo("maglev");
    assertThat(o.getAcl()).hasSize(1);
    assertThat(o.getHealthInterval()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void badValues_nameTheKey() {
    assertThatThrownBy(() -> LOADER.load(null, Map.of(), Map.of("edge.balance", "random")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("edge.balance:");
    assertThatThrownBy(() -> EdgeOptions.from(LOADER.load(null, Map.of(),
        Map.of("edge.accept-proxy", true, "edge.trusted-proxies", List.of("10.0.0.0/8", "nope")))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("edge.trusted-proxies[1]:");
    assertThatThrownBy(() -> EdgeOptions.from(LOADER.load(null, Map.of(), Map.of("edge.accept-proxy", true))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("edge.trusted-proxies:");
    assertThatThrownBy(() -> EdgeOptions.from(LOADER.load(null, Map.of(), Map.of("edge.connect-timeout", "0s"))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("edge.connect-timeout:");
  }

  @Test
  void exampleYaml_listsEveryEdgeKey() {
    String yaml = ConfigSchema.of(EdgeOptions.KEYS).exampleYaml();
    assertThat(yaml).contains("port: 8443", "balance: p2c", "health:", "SSLFARM_EDGE_MAX_CONNECTIONS_PER_SOURCE");
  }
}
