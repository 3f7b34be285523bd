package io.sslfarm.net;

import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigType;
import io.sslfarm.net.internal.IpAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An IPv4 or IPv6 network in CIDR notation: {@code 10.0.0.0/8}, {@code 2001:db8::/32}; a bare address is a /32 or /128.
 *
 * <p>Families are kept apart, as in cloud security groups: {@code 0.0.0.0/0} is every IPv4 address and {@code ::/0}
 * every IPv6 address. An IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}, what a dual-stack socket may report) is
 * matched as the IPv4 address it carries, and a range written in the mapped form ({@code ::ffff:10.0.0.0/104}) is
 * stored as the IPv4 range it denotes ({@code 10.0.0.0/8}).
 *
 * <p>Host bits must be zero ({@code 10.1.0.0/8} is refused, naming {@code 10.0.0.0/8}): in an access rule a stray host
 * bit is more likely a typo than an intent. Parsing never performs a DNS lookup. Instances are immutable.
 */
public final class CidrRange {

  /** A {@link ConfigType} for one range (a string), so a tier can declare a key of this type. */
  public static final ConfigType<CidrRange> TYPE = new ConfigType<>() {
    @Override
    public CidrRange parse(String key, Object raw) {
      if (raw instanceof Map || raw instanceof List || raw == null) {
        throw new ConfigException(key, "not a CIDR: expected a string like 10.0.0.0/8 or ::1/128");
      }
      try {
        return CidrRange.parse(String.valueOf(raw));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key, e.getMessage());
      }
    }
  };

  private final byte[] network;
  private final int prefixLength;

  private CidrRange(byte[] network, int prefixLength) {
    this.network = network;
    this.prefixLength = prefixLength;
  }

  /**
   * Parses {@code address/prefix} or a bare address.
   *
   * @throws IllegalArgumentException with a message starting {@code not a CIDR} if {@code s} is not one
   */
  public static CidrRange parse(String s) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException("not a CIDR: empty");
    }
    String t = s.trim();
    int slash = t.indexOf('/');
    String addressPart = slash < 0 ? t : t.substring(0, slash);
    byte[] bytes = IpAddresses.parseLiteral(addressPart);
    if (bytes == null) {
      throw new IllegalArgumentException("not a CIDR: '" + s + "' (expected an IP address, optionally /prefix)");
    }
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException("not a CIDR: '" + s + "' (prefix length must be a number 0-" + bits + ")");
      }
      prefix = Integer.parseInt(p);
      if (prefix > bits) {
        throw new IllegalArgumentException("not a CIDR: '" + s + "' (prefix length must be 0-" + bits + ")");
      }
    }
    if (IpAddresses.isIpv4Mapped(bytes) && prefix >= 96) {
      bytes = Arrays.copyOfRange(bytes, 12, 16);
      prefix -= 96;
    }
    byte[] masked = mask(bytes, prefix);
    if (!Arrays.equals(masked, bytes)) {
      throw new IllegalArgumentException("not a CIDR: '" + s + "' has host bits set (did you mean "
          + format(masked) + "/" + prefix + "?)");
    }
    return new CidrRange(masked, prefix);
  }

  /** The range holding exactly {@code address} (/32 or /128; an IPv4-mapped address gives an IPv4 /32). */
  public static CidrRange of(InetAddress address) {
    byte[] b = IpAddresses.canonicalBytes(address);
    return new CidrRange(b, b.length * 8);
  }

  /**
   * The range {@code address/prefixLength}, host bits cleared.
   *
   * @throws IllegalArgumentException if the prefix length is out of range for the family
   */
  public static CidrRange of(InetAddress address, int prefixLength) {
    byte[] b = address.getAddress();
    if (prefixLength < 0 || prefixLength > b.length * 8) {
      throw new IllegalArgumentException("prefix length must be 0-" + b.length * 8 + ", got " + prefixLength);
    }
    if (IpAddresses.isIpv4Mapped(b) && prefixLength >= 96) {
      b = Arrays.copyOfRange(b, 12, 16);
      prefixLength -= 96;
    }
    return new CidrRange(mask(b, prefixLength), prefixLength);
  }

  private static byte[] mask(byte[] a, int prefix) {
    byte[] m = a.clone();
    for (int i = 0; i < m.length; i++) {
      int keep = Math.min(8, Math.max(0, prefix - i * 8));
      m[i] &= (byte) (0xff << (8 - keep));
    }
    return m;
  }

  /** True if {@code address} is inside this range (same family; IPv4-mapped IPv6 counts as IPv4). */
  public boolean contains(InetAddress address) {
    if (address == null) {
      return false;
    }
    byte[] a = IpAddresses.canonicalBytes(address);
    return containsBytes(a);
  }

  /** {@link #contains(InetAddress)} for the address of an {@link InetSocketAddress}; false for other kinds or unresolved. */
  public boolean contains(SocketAddress address) {
    return address instanceof InetSocketAddress isa && isa.getAddress() != null && contains(isa.getAddress());
  }

  boolean containsBytes(byte[] a) {
    if (a.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int m = 0xff << (8 - rest) & 0xff;
    return (a[full] & m) == (network[full] & 0xff);
  }

  /** The network address (host bits zero). */
  public InetAddress network() {
    try {
      return InetAddress.getByAddress(network);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  public int prefixLength() {
    return prefixLength;
  }

  public boolean isIpv4() {
    return network.length == 4;
  }

  private static String format(byte[] a) {
    return io.netty.util.NetUtil.bytesToIpAddress(a);
  }

  /** {@code 10.0.0.0/8}, {@code 2001:db8::/32} (compressed IPv6, RFC 5952). */
  @Override
  public String toString() {
    return format(network) + "/" + prefixLength;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CidrRange r && r.prefixLength == prefixLength && Arrays.equals(r.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefixLength;
  }
}
