package io.sslfarm.router.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.router.affinity.StickyCookieCodec.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StickyCookieCodecTest {

  private static final long NOW = 1_795_400_000L;
  private static final Duration TTL = Duration.ofMinutes(30);
  private final StickyCookieCodec codec = new StickyCookieCodec(StickyKeys.fromSecret("0123456789abcdef-secret"));

  @Test
  void roundTrip_namesBackendAndIssueTime() {
    String v = codec.encode("web", "web-2", NOW);
    assertThat(v).matches("web-2\\.[0-9a-z]+\\.[A-Za-z0-9_-]{22}");
    StickyCookieCodec.Decoded d = codec.decode("web", v, NOW + 10, TTL);
    assertThat(d.status()).isEqualTo(Status.VALID);
    assertThat(d.backendId()).isEqualTo("web-2");
    assertThat(d.issuedEpochSeconds()).isEqualTo(NOW);
  }

  @Test
  void otherBackendIdWithValidSignature_isForged() {
    String v = codec.encode("web", "web-2", NOW);
    assertThat(codec.decode("web", "web-1" + v.substring(5), NOW, TTL).status()).isEqualTo(Status.FORGED);
  }

  @Test
  void cookieOfAnotherPool_isForged() {
    assertThat(codec.decode("api", codec.encode("web", "b0", NOW), NOW, TTL).status()).isEqualTo(Status.FORGED);
  }

  @Test
  void alteredIssueTime_isForged() {
    String v = codec.encode("web", "b0", NOW);
    String[] p = v.split("\\.");
    String later = p[0] + "." + Long.toString(NOW + 1000, 36) + "." + p[2];
    assertThat(codec.decode("web", later, NOW, TTL).status()).isEqualTo(Status.FORGED);
  }

  @Test
  void otherSecret_isForged() {
    StickyCookieCodec other = new StickyCookieCodec(StickyKeys.fromSecret("another-secret-0123456"));
    assertThat(codec.decode("web", other.encode("web", "b0", NOW), NOW, TTL).status()).isEqualTo(Status.FORGED);
  }

  @Test
  void olderThanTtl_isStale_andZeroTtlNeverStale() {
    String v = codec.encode("web", "b0", NOW);
    assertThat(codec.decode("web", v, NOW + TTL.toSeconds() + 1, TTL).status()).isEqualTo(Status.STALE);
    assertThat(codec.decode("web", v, NOW + 10 * TTL.toSeconds(), Duration.ZERO).status()).isEqualTo(Status.VALID);
  }

  @Test
  void garbage_isMalformed() {
    for (String g : List.of("", "b0", "b0..x", ".a.b", "b0.zz.!!!", "b0.1.AAAA", "a.b.c.d", "x".repeat(300))) {
      assertThat(codec.decode("web", g, NOW, TTL).status()).as(g).isEqualTo(Status.MALFORMED);
    }
  }

  @Test
  void previousKeyStillVerifies_afterRotation() {
    byte[] k1 = new byte[32];
    byte[] k2 = new byte[32];
    k2[0] = 1;
    StickyKeys keys = StickyKeys.of(List.of(k1));
    StickyCookieCodec c = new StickyCookieCodec(keys);
    String old = c.encode("web", "b0", NOW);
    keys.set(List.of(k2, k1));
    assertThat(c.decode("web", old, NOW, TTL).status()).isEqualTo(Status.VALID);
    assertThat(c.encode("web", "b0", NOW)).isNotEqualTo(old);
  }

  @Test
  void refreshAfterAQuarterOfTheTtl() {
    assertThat(StickyCookieCodec.needsRefresh(NOW, NOW + 60, TTL)).isFalse();
    assertThat(StickyCookieCodec.needsRefresh(NOW, NOW + TTL.toSeconds() / 4 + 1, TTL)).isTrue();
  }
}
