package io.sslfarm.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.cluster.FarmConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class FarmConfigValidatorTest {

  @SuppressWarnings("unchecked")
  private static FarmConfig example() throws Exception {
    try (InputStream in = FarmConfigValidatorTest.class.getResourceAsStream("/io/sslfarm/router/farm-example.yaml")) {
      Map<String, Object> m = new Yaml().load(in);
      return FarmConfig.fromJson(new JsonObject(m));
    }
  }

  @Test
  void shippedExample_isValid() throws Exception {
    RouterFarmConfig c = FarmConfigValidator.validate(example());
    assertThat(c.defaultPool()).isEqualTo("web");
    assertThat(c.rules()).extracting(RouteRule::pool).containsExactly("api", "static", "web");
    assertThat(c.rules().get(1).host()).isEqualTo("*.static.example.com");
    PoolSpec web = c.pools().get("web");
    assertThat(web.backends()).extracting(BackendSpec::weight).containsExactly(10, 10, 0);
    assertThat(web.sticky().mode()).isEqualTo(StickySpec.Mode.INSERT);
    assertThat(web.health().orElseThrow().expectMax()).isEqualTo(399);
    assertThat(web.slowStart()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.pools().get("api").sticky().learnCookie()).isEqualTo("JSESSIONID");
    assertThat(c.pools().get("static").sticky().mode()).isEqualTo(StickySpec.Mode.NONE);
  }

  @Test
  void everyProblemIsReportedWithItsPath() {
    JsonObject pools = new JsonObject().put("web", new JsonObject()
        .put("backends", new JsonArray()
            .add(new JsonObject().put("id", "a b").put("address", "nohost"))
            .add(new JsonObject().put("id", "x").put("address", "10.0.0.1:80").put("weight", 101))
            .add(new JsonObject().put("id", "x").put("address", "10.0.0.2:80")))
        .put("sticky", new JsonObject().put("mode", "magic").put("cookie", "bad cookie"))
        .put("health", new JsonObject().put("interval", "1s").put("timeout", "5s").put("expect-status", "abc"))
        .put("slow-strat", "10s"));
    JsonObject routes = new JsonObject().put("default-pool", "nope")
        .put("rules", new JsonArray().add(new JsonObject().put("host", "bad host!").put("path-prefix", "x")));
    assertThatThrownBy(() -> FarmConfigValidator.validate(routes, pools))
        .isInstanceOfSatisfying(FarmConfigException.class, e -> assertThat(e.problems()).satisfiesExactlyInAnyOrder(
            p -> assertThat(p).startsWith("pools.web.backends[0].id: "),
            p -> assertThat(p).startsWith("pools.web.backends[0].address: "),
            p -> assertThat(p).startsWith("pools.web.backends[1].weight: "),
            p -> assertThat(p).startsWith("pools.web.backends[2].id: duplicate"),
            p -> assertThat(p).startsWith("pools.web.sticky.mode: "),
            p -> assertThat(p).startsWith("pools.web.sticky.cookie: "),
            p -> assertThat(p).startsWith("pools.web.health.timeout: "),
            p -> assertThat(p).startsWith("pools.web.health.expect-status: "),
            p -> assertThat(p).startsWith("pools.web.slow-strat: unknown key"),
            p -> assertThat(p).startsWith("routes.default-pool: no pool named 'nope'"),
            p -> assertThat(p).startsWith("routes.rules[0].host: "),
            p -> assertThat(p).startsWith("routes.rules[0].path-prefix: "),
            p -> assertThat(p).startsWith("routes.rules[0].pool: missing")));
  }

  @Test
  void learnModeNeedsPositiveTtl() {
    JsonObject pools = new JsonObject().put("p", new JsonObject()
        .put("backends", new JsonArray().add(new JsonObject().put("id", "a").put("address", "h:1")))
        .put("sticky", new JsonObject().put("mode", "learn").put("idle-ttl", "0s")));
    assertThatThrownBy(() -> FarmConfigValidator.validate(new JsonObject(), pools))
        .hasMessageStartingWith("pools.p.sticky.idle-ttl: learn mode needs a positive idle TTL");
  }

  @Test
  void emptyConfig_isValidAndRoutesNothing() {
    RouterFarmConfig c = FarmConfigValidator.validate(FarmConfig.EMPTY);
    assertThat(c.pools()).isEmpty();
    assertThat(c.defaultPool()).isNull();
    assertThat(c.rules()).isEmpty();
  }

  @Test
  void registeredWithTheNodeValidators_firstProblemAsConfigException() {
    FarmConfig bad = FarmConfig.fromJson(new JsonObject().put("pools", new JsonObject().put("web", new JsonObject()
        .put("backends", new JsonArray().add(new JsonObject().put("id", "a").put("address", "h:1")
            .put("weight", 500))))));
    assertThat(io.sslfarm.node.FarmConfigValidators.all()).hasAtLeastOneElementOfType(RouterFarmConfigValidator.class);
    assertThatThrownBy(() -> io.sslfarm.node.FarmConfigValidators.validate(bad))
        .isInstanceOfSatisfying(io.sslfarm.config.ConfigException.class,
            e -> assertThat(e.key()).isEqualTo("pools.web.backends[0].weight"));
  }
}
