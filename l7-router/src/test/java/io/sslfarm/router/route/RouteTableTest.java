package io.sslfarm.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.router.config.RouteRule;
import io.sslfarm.router.config.RouterFarmConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTableTest {

  private final RouteTable table = new RouteTable(new RouterFarmConfig(List.of(
      new RouteRule("api.example.com", "/v1/", "api"),
      new RouteRule("*.static.example.com", "/", "static"),
      new RouteRule(null, "/admin/", "admin")), "web", Map.of()));

  @Test
  void firstMatchingRuleWins_elseDefault() {
    assertThat(table.match("api.example.com", "/v1/users").pool()).isEqualTo("api");
    assertThat(table.match("API.Example.COM:8443", "/v1/x").pool()).isEqualTo("api");
    assertThat(table.match("api.example.com", "/v2/x").pool()).isEqualTo("web");
    assertThat(table.match("api.example.com", "/admin/x").pool()).isEqualTo("admin");
    assertThat(table.match(null, "/admin/").routeName()).isEqualTo("rule-2");
    assertThat(table.match("shop.example.com", "/").routeName()).isEqualTo("default");
  }

  @Test
  void wildcardNeedsAtLeastOneLabel() {
    assertThat(table.match("img.static.example.com", "/a").pool()).isEqualTo("static");
    assertThat(table.match("a.b.static.example.com", "/a").pool()).isEqualTo("static");
    assertThat(table.match("static.example.com", "/a").pool()).isEqualTo("web");
    assertThat(table.match("evilstatic.example.com", "/a").pool()).isEqualTo("web");
  }

  @Test
  void noDefaultPool_noMatchIsNull() {
    RouteTable t = new RouteTable(new RouterFarmConfig(List.of(new RouteRule("a", "/", "p")), null, Map.of()));
    assertThat(t.match("b", "/")).isNull();
    assertThat(t.match("a.", "/x").pool()).isEqualTo("p");
  }

  @Test
  void prefixMatchesOnSegmentBoundaries() {
    RouteTable t = new RouteTable(new RouterFarmConfig(List.of(
        new RouteRule(null, "/api", "api"),
        new RouteRule(null, "/files/", "files"),
        new RouteRule(null, "/%64ocs", "docs")), "web", Map.of()));
    assertThat(t.match("h", "/api").pool()).isEqualTo("api");
    assertThat(t.match("h", "/api/").pool()).isEqualTo("api");
    assertThat(t.match("h", "/api/x").pool()).isEqualTo("api");
    assertThat(t.match("h", "/apix").pool()).isEqualTo("web");
    assertThat(t.match("h", "/api%2Fx").pool()).isEqualTo("web");
    assertThat(t.match("h", "/ap").pool()).isEqualTo("web");
    // a prefix ending with "/" is a plain prefix
    assertThat(t.match("h", "/files/a").pool()).isEqualTo("files");
    assertThat(t.match("h", "/files/").pool()).isEqualTo("files");
    assertThat(t.match("h", "/files").pool()).isEqualTo("web");
    // prefixes are normalised like paths
    assertThat(t.match("h", "/docs/x").pool()).isEqualTo("docs");
    assertThat(t.match("h", "*").pool()).isEqualTo("web");
  }
}
