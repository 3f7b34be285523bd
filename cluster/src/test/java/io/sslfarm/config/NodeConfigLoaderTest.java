package io.sslfarm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.cluster.HostPort;
import io.sslfarm.node.NodeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigLoaderTest {

  private static final ConfigKey<List<String>> CIDRS = ConfigKey.of("test.trusted", ConfigTypes.STRING_LIST,
      List.of("127.0.0.0/8", "::1/128"), "trusted networks");
  private static final ConfigSchema SCHEMA = ConfigSchema.of(NodeOptions.KEYS, List.of(CIDRS));
  private final NodeConfigLoader loader = new NodeConfigLoader(SCHEMA);

  @TempDir
  Path dir;

  @Test
  void exampleFile_isValidYaml_andLoadsBackToTheDefaults() throws Exception {
    Path file = dir.resolve("node.yaml");
    Files.writeString(file, SCHEMA.exampleYaml());

    NodeConfig cfg = loader.load(file, Map.of(), Map.of());

    for (ConfigKey<?> key : SCHEMA.keys().values()) {
      if (key.defaultValue() != null) {
        assertThat((Object) cfg.explicit(key).orElseThrow()).as(key.path()).isEqualTo(key.defaultValue());
      }
    }
    assertThat(SCHEMA.exampleYaml()).contains("seeds: ['127.0.0.1:5701']").contains("'::1/128'");
  }

  @Test
  void environmentOverridesTheFile_andOverridesWinOverBoth() throws Exception {
    Path file = dir.resolve("node.yaml");
    Files.writeString(file, "admin:\n  port: 9901\ncluster:\n  seeds: ['10.0.0.1:5701']\n");

    NodeConfig fromEnv = loader.load(file, Map.of("SSLFARM_ADMIN_PORT", "9902",
        "SSLFARM_CLUSTER_SEEDS", "10.0.0.2:5701, 10.0.0.3:5702"), Map.of());
    NodeConfig overridden = loader.load(file, Map.of("SSLFARM_ADMIN_PORT", "9902"), Map.of("admin.port", 9903));

    assertThat(fromEnv.get(NodeOptions.ADMIN_PORT)).isEqualTo(9902);
    assertThat(fromEnv.get(NodeOptions.CLUSTER_SEEDS)).extracting(HostPort::toString)
        .containsExactly("10.0.0.2:5701", "10.0.0.3:5702");
    assertThat(overridden.get(NodeOptions.ADMIN_PORT)).isEqualTo(9903);
  }

  @Test
  void unknownKey_badValue_badYaml_andUnknownVariable_nameTheKey() throws Exception {
    Path unknown = dir.resolve("unknown.yaml");
    Files.writeString(unknown, "admin:\n  prot: 9901\n");
    Path badPort = dir.resolve("bad-port.yaml");
    Files.writeString(badPort, "admin:\n  port: 70000\n");
    Path badDuration = dir.resolve("bad-duration.yaml");
    Files.writeString(badDuration, "node:\n  drain-timeout: soon\n");
    Path notYaml = dir.resolve("broken.yaml");
    Files.writeString(notYaml, "admin: [port\n");

    assertThatThrownBy(() -> loader.load(unknown, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.prot");
    assertThatThrownBy(() -> loader.load(badPort, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.port");
    assertThatThrownBy(() -> loader.load(badDuration, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("node.drain-timeout");
    assertThatThrownBy(() -> loader.load(notYaml, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> loader.load(null, Map.of("SSLFARM_ADMIN_PROT", "1"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SSLFARM_ADMIN_PROT");
    assertThat(loader.load(null, Map.of(), Map.of()).get(NodeOptions.DRAIN_TIMEOUT))
        .isEqualTo(NodeOptions.DRAIN_TIMEOUT.defaultValue()).isInstanceOf(Duration.class);
  }
}
