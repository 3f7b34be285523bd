package io.sslfarm.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigTypes;
import io.sslfarm.net.AccessRule.Action;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessRulesTest {

  static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void denyBeforeAllow_blocks() throws Exception {
    AccessRules rules = AccessRules.parse(List.of("deny 10.1.0.0/16", "allow 10.0.0.0/8"), Action.DENY);
    assertThat(rules.allows(ip("10.1.2.3"))).isFalse();
    assertThat(rules.decide(ip("10.1.2.3"))).isEqualTo(new AccessRules.Decision(Action.DENY, 0));
    assertThat(rules.allows(ip("10.2.3.4"))).isTrue();
    assertThat(rules.decide(ip("10.2.3.4")).ruleIndex()).isEqualTo(1);
  }

  @Test
  void allowBeforeDeny_admits() throws Exception {
    AccessRules rules = AccessRules.parse(List.of("allow 10.0.0.0/8", "deny 10.1.0.0/16"), Action.DENY);
    assertThat(rules.allows(ip("10.1.2.3"))).isTrue();
    assertThat(rules.decide(ip("10.1.2.3")).ruleIndex()).isZero();
  }

  @Test
  void noMatch_getsTheDefault() throws Exception {
    AccessRules denyDefault = AccessRules.parse(List.of("allow 10.0.0.0/8"), Action.DENY);
    AccessRules.Decision d = denyDefault.decide(ip("192.0.2.1"));
    assertThat(d.allowed()).isFalse();
    assertThat(d.isDefault()).isTrue();
    assertThat(d.ruleTag()).isEqualTo("default");
    AccessRules allowDefault = AccessRules.parse(List.of("deny 203.0.113.0/24"), Action.ALLOW);
    assertThat(allowDefault.allows(ip("192.0.2.1"))).isTrue();
    assertThat(allowDefault.allows(ip("203.0.113.9"))).isFalse();
    assertThat(AccessRules.ALLOW_ALL.allows(ip("::1"))).isTrue();
  }

  @Test
  void ipv6AndMapped_followTheSameOrder() throws Exception {
    AccessRules rules = AccessRules.parse(List.of("deny 2001:db8::/32", "allow ::/0", "allow 127.0.0.0/8"),
        Action.DENY);
    assertThat(rules.allows(ip("2001:db8::5"))).isFalse();
    assertThat(rules.allows(ip("2001:db9::5"))).isTrue();
    assertThat(rules.allows(ip("::ffff:127.0.0.1"))).isTrue();
    assertThat(rules.decide(ip("::ffff:127.0.0.1")).ruleIndex()).isEqualTo(2);
    assertThat(rules.allows(ip("10.0.0.1"))).isFalse();
  }

  @Test
  void socketAddress_unresolvedGetsTheDefault() {
    AccessRules rules = AccessRules.parse(List.of("allow 0.0.0.0/0"), Action.DENY);
    assertThat(rules.allows(new InetSocketAddress("127.0.0.1", 9))).isTrue();
    assertThat(rules.decide(InetSocketAddress.createUnresolved("h", 9)).isDefault()).isTrue();
  }

  @Test
  void stringRules_parseErrorsNameTheIndex() {
    assertThatThrownBy(() -> AccessRules.parse(List.of("allow 10.0.0.0/8", "permit 1.2.3.4"), Action.DENY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("[1]: expected 'allow <cidr>'");
    assertThatThrownBy(() -> AccessRules.parse(List.of("deny 1.2.3.4/40"), Action.DENY))
        .hasMessageStartingWith("[0]: not a CIDR");
    assertThat(AccessRule.parse("  DENY   1.2.3.4 ")).isEqualTo(AccessRule.deny("1.2.3.4/32"));
  }

  @Test
  void yamlMapsAndStrings_mixedInOneList() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("action", "deny");
    m.put("cidr", "10.1.0.0/16");
    m.put("description", "lab");
    AccessRules rules = AccessRules.parse("edge.acl", List.of(m, "allow 10.0.0.0/8"), Action.DENY);
    assertThat(rules.rules()).containsExactly(AccessRule.deny("10.1.0.0/16"), AccessRule.allow("10.0.0.0/8"));
    assertThat(rules.allows(ip("10.1.0.1"))).isFalse();
  }

  @Test
  void yamlErrors_nameTheKeyPathOfTheFailingItem() {
    List<Object> raw = List.of("allow 10.0.0.0/8", Map.of("action", "allow", "cidr", "192.168.0.0/16"),
        Map.of("action", "deny", "cidr", "10.0.0.300"));
    assertThatThrownBy(() -> AccessRules.parse("edge.acl", raw, Action.DENY))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("edge.acl[2].cidr: not a CIDR")
        .extracting(e -> ((ConfigException) e).key()).isEqualTo("edge.acl[2].cidr");
    assertThatThrownBy(() -> AccessRules.parse("edge.acl", List.of(Map.of("action", "permit", "cidr", "1.2.3.4")),
        Action.DENY)).hasMessageStartingWith("edge.acl[0].action: expected allow or deny");
    assertThatThrownBy(() -> AccessRules.parse("edge.acl", List.of(Map.of("action", "deny")), Action.DENY))
        .hasMessageStartingWith("edge.acl[0].cidr: missing");
    assertThatThrownBy(() -> AccessRules.parse("edge.acl",
        List.of(Map.of("action", "deny", "cidr", "1.2.3.4", "port", 80)), Action.DENY))
        .hasMessageStartingWith("edge.acl[0].port: unknown key");
    assertThatThrownBy(() -> AccessRules.parse("edge.acl", List.of("allow"), Action.DENY))
        .hasMessageStartingWith("edge.acl[0]: expected 'allow <cidr>'");
  }

  @Test
  void ruleType_declaresAListKeyWithoutTouchingConfigTypes() {
    var type = ConfigTypes.listOf(AccessRules.RULE_TYPE);
    List<AccessRule> rules = type.parse("edge.acl", "deny 1.2.3.4, allow 0.0.0.0/0"); // environment form
    assertThat(rules).containsExactly(AccessRule.deny("1.2.3.4"), AccessRule.allow("0.0.0.0/0"));
    assertThat(type.format(rules)).isEqualTo("['deny 1.2.3.4/32', 'allow 0.0.0.0/0']");
    assertThat(Action.TYPE.parse("edge.acl-default", "Allow")).isEqualTo(Action.ALLOW);
    assertThatThrownBy(() -> Action.TYPE.parse("edge.acl-default", "maybe"))
        .hasMessageStartingWith("edge.acl-default: expected allow or deny");
  }
}
