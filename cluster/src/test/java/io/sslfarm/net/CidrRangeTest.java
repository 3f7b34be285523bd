package io.sslfarm.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.config.ConfigException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrRangeTest {

  static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal); // literals only: no DNS lookup
  }

  @ParameterizedTest
  @CsvSource({
      "10.0.0.0/8,       10.0.0.0,        true",
      "10.0.0.0/8,       10.255.255.255,  true",
      "10.0.0.0/8,       11.0.0.0,        false",
      "10.0.0.0/8,       9.255.255.255,   false",
      "192.168.1.0/25,   192.168.1.127,   true",
      "192.168.1.0/25,   192.168.1.128,   false",
      "203.0.113.7/32,   203.0.113.7,     true",
      "203.0.113.7/32,   203.0.113.6,     false",
      "0.0.0.0/0,        198.51.100.1,    true",
      "0.0.0.0/0,        ::1,             false",
      "::/0,             2001:db8::1,     true",
      "::/0,             127.0.0.1,       false",
      "::1/128,          ::1,             true",
      "::1/128,          ::2,             false",
      "2001:db8::/32,    2001:db8:ffff::1, true",
      "2001:db8::/32,    2001:db9::1,     false",
      "2001:db8::/33,    2001:db8:7fff::1, true",
      "2001:db8::/33,    2001:db8:8000::1, false",
      "10.0.0.0/8,       ::ffff:10.1.2.3, true",
      "::ffff:10.0.0.0/104, 10.9.9.9,     true",
      "::ffff:10.0.0.0/104, 11.0.0.1,     false",
  })
  void contains(String cidr, String address, boolean expected) throws Exception {
    assertThat(CidrRange.parse(cidr).contains(ip(address))).isEqualTo(expected);
  }

  @Test
  void bareAddress_isHostRange() {
    assertThat(CidrRange.parse("203.0.113.7").prefixLength()).isEqualTo(32);
    assertThat(CidrRange.parse("2001:db8::7").prefixLength()).isEqualTo(128);
    assertThat(CidrRange.parse("[2001:db8::7]").toString()).isEqualTo("2001:db8::7/128");
  }

  @Test
  void mappedRange_isStoredAsIpv4() {
    CidrRange r = CidrRange.parse("::ffff:10.0.0.0/104");
    assertThat(r.isIpv4()).isTrue();
    assertThat(r).isEqualTo(CidrRange.parse("10.0.0.0/8"));
    assertThat(r.toString()).isEqualTo("10.0.0.0/8");
  }

  @Test
  void mappedAddressHeldInInet6Address_matchesIpv4Range() throws Exception {
    // the JDK turns ::ffff:a.b.c.d into Inet4Address, except when built with a scope id, as some socket layers do
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
    InetAddress a = Inet6Address.getByAddress(null, mapped, -1);
    assertThat(a).isInstanceOf(Inet6Address.class);
    assertThat(CidrRange.parse("10.0.0.0/8").contains(a)).isTrue();
    assertThat(CidrRange.parse("::/0").contains(a)).isFalse();
    assertThat(CidrRange.of(a)).isEqualTo(CidrRange.parse("10.1.2.3/32"));
  }

  @Test
  void socketAddress_unresolvedNeverMatches() throws Exception {
    CidrRange all = CidrRange.parse("0.0.0.0/0");
    assertThat(all.contains(new InetSocketAddress(ip("1.2.3.4"), 80))).isTrue();
    assertThat(all.contains(InetSocketAddress.createUnresolved("example.com", 80))).isFalse();
    assertThat(all.contains((InetAddress) null)).isFalse();
  }

  @Test
  void hostBitsSet_isRefusedWithTheNetworkSuggested() {
    assertThatThrownBy(() -> CidrRange.parse("10.1.0.0/8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host bits set").hasMessageContaining("10.0.0.0/8");
    assertThatThrownBy(() -> CidrRange.parse("2001:db8::1/32"))
        .hasMessageContaining("2001:db8::/32");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.256", "10.0.0.0/", "10.0.0.0/-1",
      "10.0.0.0/8/8", "example.com", "localhost/32", "fe80::1%eth0", "10.0.0.0/ 8", "1.2.3.4/08x"})
  void malformed_isRefused(String s) {
    assertThatThrownBy(() -> CidrRange.parse(s)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a CIDR");
  }

  @Test
  void toString_roundTrips() {
    for (String s : List.of("0.0.0.0/0", "10.0.0.0/8", "192.168.1.128/25", "::/0", "2001:db8::/32", "::1/128")) {
      assertThat(CidrRange.parse(CidrRange.parse(s).toString())).isEqualTo(CidrRange.parse(s));
      assertThat(CidrRange.parse(s).toString()).isEqualTo(s);
    }
  }

  @Test
  void of_clearsHostBits() throws Exception {
    assertThat(CidrRange.of(ip("10.1.2.3"), 16)).isEqualTo(CidrRange.parse("10.1.0.0/16"));
    assertThatThrownBy(() -> CidrRange.of(ip("10.1.2.3"), 33)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void configType_namesTheKey() {
    assertThat(CidrRange.TYPE.parse("x.trusted", "10.0.0.0/8")).isEqualTo(CidrRange.parse("10.0.0.0/8"));
    assertThatThrownBy(() -> CidrRange.TYPE.parse("edge.acl[2].cidr", "10.0.0.300"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("edge.acl[2].cidr: not a CIDR");
    assertThatThrownBy(() -> CidrRange.TYPE.parse("k", Map.of("a", 1)))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("k: not a CIDR");
  }
}
