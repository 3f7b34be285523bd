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
