package io.sslfarm.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.config.ConfigException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class CidrSetTest {

  @Test
  void contains_anyRange_bothFamilies() throws Exception {
    CidrSet set = CidrSet.parse(List.of("10.0.0.0/8", "192.168.0.0/16", "::1"));
    assertThat(set.contains(InetAddress.getByName("10.9.8.7"))).isTrue();
    assertThat(set.contains(InetAddress.getByName("192.168.44.1"))).isTrue();
    assertThat(set.contains(InetAddress.getByName("::1"))).isTrue();
    assertThat(set.contains(InetAddress.getByName("172.16.0.1"))).isFalse();
    assertThat(set.contains(InetAddress.getByName("::2"))).isFalse();
    assertThat(set.contains(new InetSocketAddress("127.0.0.1", 1))).isFalse();
  }

  @Test
  void empty_containsNothing() throws Exception {
    assertThat(CidrSet.EMPTY.contains(InetAddress.getByName("127.0.0.1"))).isFalse();
    assertThat(CidrSet.parse(List.of()).isEmpty()).isTrue();
  }

  @Test
  void parseError_namesTheIndex() {
    assertThatThrownBy(() -> CidrSet.parse(List.of("10.0.0.0/8", "::1", "10.0.0.300")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("[2]: not a CIDR");
    assertThatThrownBy(() -> CidrSet.parse("ssl.trusted-proxies", List.of("1.2.3.4", "nope")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("ssl.trusted-proxies[1]: not a CIDR");
  }

  @Test
  void configType_acceptsYamlListAndCommaSeparatedEnvironmentValue() throws Exception {
    CidrSet fromYaml = CidrSet.TYPE.parse("k", List.of("10.0.0.0/8", "::1/128"));
    CidrSet fromEnv = CidrSet.TYPE.parse("k", "10.0.0.0/8, ::1/128");
    assertThat(fromEnv).isEqualTo(fromYaml);
    assertThat(CidrSet.TYPE.format(fromYaml)).isEqualTo("[10.0.0.0/8, '::1/128']");
    assertThatThrownBy(() -> CidrSet.TYPE.parse("ssl.trusted", List.of("10.0.0.0/8", "x")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("ssl.trusted[1]: not a CIDR");
  }
}
