package io.sslfarm.certs.sni;

import static io.sslfarm.certs.TestCerts.served;
import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.certs.store.ServedCertificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class SniIndexTest {

  private final ServedCertificate shop = served("shop", "shop.example.com", "www.shop.example.com");
  private final ServedCertificate wild = served("wild", "*.example.com");
  private final ServedCertificate deep = served("deep", "*.api.example.com", "api.example.com");
  private final ServedCertificate fallback = served("fallback", "fallback.local");
  private final SniIndex index = SniIndex.of(List.of(shop, wild, deep, fallback), "fallback");

  @Test
  void exactName_winsOverWildcard() {
    assertThat(index.selectOrNull("shop.example.com")).isSameAs(shop);
    assertThat(index.selectOrNull("www.shop.example.com")).isSameAs(shop);
    assertThat(index.selectOrNull("api.example.com")).isSameAs(deep); // exact beats *.example.com
  }

  @Test
  void wildcard_matchesExactlyOneLabel() {
    assertThat(index.selectOrNull("foo.example.com")).isSameAs(wild);
    assertThat(index.selectOrNull("v1.api.example.com")).isSameAs(deep);
    assertThat(index.selectOrNull("a.b.example.com")).isSameAs(fallback); // two labels: no wildcard
    assertThat(index.selectOrNull("example.com")).isSameAs(fallback); // zero labels: no wildcard
    assertThat(index.selectOrNull(".example.com")).isSameAs(fallback); // empty label
  }

  @Test
  void noMatch_givesDefault_andNoSniGivesDefault() {
    assertThat(index.selectOrNull("other.org")).isSameAs(fallback);
    assertThat(index.select(null)).contains(fallback);
    assertThat(index.select("")).contains(fallback);
  }

  @Test
  void caseAndTrailingDot_ignored() {
    assertThat(index.selectOrNull("SHOP.Example.COM")).isSameAs(shop);
    assertThat(index.selectOrNull("shop.example.com.")).isSameAs(shop);
    assertThat(index.selectOrNull("Foo.EXAMPLE.com.")).isSameAs(wild);
  }

  @Test
  void noDefaultConfigured_orDefaultNotStored_givesEmpty() {
    assertThat(SniIndex.of(List.of(shop), null).select("other.org")).isEmpty();
    assertThat(SniIndex.of(List.of(shop), "missing").select("other.org")).isEmpty();
    assertThat(SniIndex.empty("x").select("shop.example.com")).isEmpty();
  }

  @Test
  void sameName_laterExpiryWins_regardlessOfOrder() {
    ServedCertificate old = served("old", 1000, "dup.example.com");
    ServedCertificate renewed = served("renewed", 2000, "dup.example.com");
    assertThat(SniIndex.of(List.of(old, renewed), null).selectOrNull("dup.example.com")).isSameAs(renewed);
    assertThat(SniIndex.of(List.of(renewed, old), null).selectOrNull("dup.example.com")).isSameAs(renewed);
  }

  @Test
  void withAndWithout_returnNewSnapshots_leavingOriginalUntouched() {
    ServedCertificate shop2 = served("shop", "shop.example.net");
    SniIndex replaced = index.with(shop2);
    assertThat(replaced.selectOrNull("shop.example.net")).isSameAs(shop2);
    assertThat(replaced.selectOrNull("shop.example.com")).isSameAs(wild); // old names of the replaced cert are gone
    assertThat(index.selectOrNull("shop.example.com")).isSameAs(shop);

    SniIndex removed = index.without("wild");
    assertThat(removed.selectOrNull("foo.example.com")).isSameAs(fallback);
    assertThat(removed.size()).isEqualTo(3);
    assertThat(index.without("absent")).isSameAs(index);
    assertThat(index.without("fallback").selectOrNull("nothing.org")).isNull();
  }
}
