package io.sslfarm.router.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.net.ProxyInfo;
import io.sslfarm.router.RouterMetrics;
import io.sslfarm.router.internal.ForwardingHeaders.Underscores;
import io.sslfarm.router.listener.DownstreamConnection;
import io.vertx.core.MultiMap;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@link ForwardingHeaders#buildRequest} without a network: client-IP look-alikes, underscores, no client address. */
class ForwardingHeadersUnitTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RouterMetrics metrics = new RouterMetrics(registry);
  private final DownstreamConnection client = new DownstreamConnection(1, ProxyInfo.local(), "203.0.113.7", 443);

  private MultiMap build(MultiMap in, DownstreamConnection d, Underscores u) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    ForwardingHeaders.buildRequest(in, out, d, "shop.example.com", u, metrics);
    return out;
  }

  private double dropped() {
    Counter c = registry.find("sslfarm.router.headers.dropped").tag("reason", "underscore").counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void clientIpHeaderFamily_strippedInAnyCase() {
    MultiMap in = MultiMap.caseInsensitiveMultiMap();
    String[] names = {"True-Client-IP", "CF-Connecting-IP", "X-Client-IP", "X-Cluster-Client-IP", "Fastly-Client-IP",
        "X-Original-Forwarded-For", "Client-IP", "X-Real-IP", "TRUE-CLIENT-IP", "cf-connecting-ip", "client-ip",
        "fAsTlY-cLiEnT-iP"};
    for (String n : names) {
      in.add(n, "6.6.6.6");
    }
    in.add("Accept", "*/*");
    MultiMap out = build(in, client, Underscores.DROP);
    for (String n : names) {
      assertThat(out.contains(n)).as(n).isFalse();
    }
    assertThat(out.get("Accept")).isEqualTo("*/*");
    assertThat(out.get("X-Forwarded-For")).isEqualTo("203.0.113.7");
  }

  @Test
  void everyClientIpName_startsWithALetterCandidateLowerCases() {
    // the fast path in candidate() passes names on untouched unless their first letter is c e f h k p t u x
    for (String n : ForwardingHeaders.CLIENT_IP) {
      assertThat("cefhkptux").as(n).contains(n.substring(0, 1));
      MultiMap in = MultiMap.caseInsensitiveMultiMap().add(n.toUpperCase(Locale.ROOT), "6.6.6.6");
      assertThat(build(in, client, Underscores.DROP).contains(n)).as(n).isFalse();
    }
  }

  @Test
  void underscoreNames_droppedAndCounted_byDefault() {
    MultiMap in = MultiMap.caseInsensitiveMultiMap().add("X_Forwarded_For", "6.6.6.6").add("X-Real_IP", "6.6.6.6")
        .add("My_Header", "1").add("My-Header", "2");
    MultiMap out = build(in, client, Underscores.DROP);
    assertThat(out.names()).noneMatch(n -> n.indexOf('_') >= 0);
    assertThat(out.get("My-Header")).isEqualTo("2");
    assertThat(out.getAll("X-Forwarded-For")).containsExactly("203.0.113.7");
    assertThat(dropped()).isEqualTo(3.0);
  }

  @Test
  void underscoreNames_allowed_butForwardingLookAlikesStillStripped() {
    MultiMap in = MultiMap.caseInsensitiveMultiMap().add("X_Forwarded_For", "6.6.6.6").add("True_Client_IP", "6.6.6.6")
        .add("x_real-ip", "6.6.6.6").add("Forwarded", "for=6.6.6.6").add("My_Header", "1");
    MultiMap out = build(in, client, Underscores.ALLOW);
    assertThat(out.get("My_Header")).isEqualTo("1");
    assertThat(out.contains("X_Forwarded_For")).isFalse();
    assertThat(out.contains("True_Client_IP")).isFalse();
    assertThat(out.contains("x_real-ip")).isFalse();
    assertThat(out.getAll("X-Forwarded-For")).containsExactly("203.0.113.7");
    assertThat(dropped()).isZero();
  }

  @Test
  void noClientAddress_noXForwardedFor_forwardedForUnknown() {
    DownstreamConnection local = DownstreamConnection.of(2, ProxyInfo.local(), 8080);
    assertThat(local.clientIp()).isEmpty();
    MultiMap in = MultiMap.caseInsensitiveMultiMap().add("X-Forwarded-For", "6.6.6.6").add("Forwarded", "for=6.6.6.6");
    MultiMap out = build(in, local, Underscores.DROP);
    assertThat(out.contains("X-Forwarded-For")).isFalse();
    assertThat(out.get("Forwarded")).isEqualTo("for=unknown;proto=http;host=\"shop.example.com\"");
    assertThat(out.get("X-Forwarded-Port")).isEqualTo("8080");
  }
}
