package io.sslfarm.net.internal;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Literal IP address parsing (never a DNS lookup) and IPv4-mapped IPv6 handling. */
public final class IpAddresses {

  private IpAddresses() {
  }

  /**
   * The bytes of a literal IPv4 or IPv6 address (4 or 16 bytes), or null if {@code s} is not one. IPv6 may be written
   * in brackets; zone ids ({@code %eth0}) are not accepted.
   */
  public static byte[] parseLiteral(String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim();
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    if (t.isEmpty() || t.indexOf('%') >= 0) {
      return null;
    }
    if (NetUtil.isValidIpV4Address(t)) {
      return NetUtil.createByteArrayFromIpAddressString(t);
    }
    if (NetUtil.isValidIpV6Address(t)) {
      return NetUtil.createByteArrayFromIpAddressString(t);
    }
    return null;
  }

  /** A literal address as an {@link InetAddress} (IPv4-mapped IPv6 becomes IPv4, as the JDK does); null if invalid. */
  public static InetAddress toInetAddress(String literal) {
    byte[] b = parseLiteral(literal);
    if (b == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** True for {@code ::ffff:a.b.c.d} (16 bytes). */
  public static boolean isIpv4Mapped(byte[] a) {
    if (a.length != 16) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
  }

  /**
   * The address's bytes with an IPv4-mapped IPv6 address reduced to its 4 IPv4 bytes (an {@link Inet6Address} built with
   * a scope id can hold one; the JDK otherwise converts them on creation).
   */
  public static byte[] canonicalBytes(InetAddress address) {
    byte[] a = address.getAddress();
    if (isIpv4Mapped(a)) {
      byte[] v4 = new byte[4];
      System.arraycopy(a, 12, v4, 0, 4);
      return v4;
    }
    return a;
  }

  /** The IPv4-mapped IPv6 form of 4 IPv4 bytes; 16 bytes are returned as they are. */
  public static byte[] toIpv6Bytes(byte[] a) {
    if (a.length == 16) {
      return a;
    }
    byte[] v6 = new byte[16];
    v6[10] = (byte) 0xff;
    v6[11] = (byte) 0xff;
    System.arraycopy(a, 0, v6, 12, 4);
    return v6;
  }
}
