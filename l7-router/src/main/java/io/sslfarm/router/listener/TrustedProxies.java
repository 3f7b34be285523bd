package io.sslfarm.router.listener;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The CIDR set of peers allowed to send a PROXY header. Immutable. (A router-local matcher until the shared network
 * kit {@code io.sslfarm.net} lands; the semantics are the same: IPv4 and IPv6 prefixes, a bare address = one host.)
 */
public final class TrustedProxies {

  private record Cidr(byte[] net, int bits) {
    boolean contains(byte[] a) {
      if (a.length != net.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != net[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (net[full] & mask);
    }
  }

  private final List<Cidr> cidrs;
  private final List<String> text;

  private TrustedProxies(List<Cidr> cidrs, List<String> text) {
    this.cidrs = cidrs;
    this.text = text;
  }

  /** @throws IllegalArgumentException naming the bad entry */
  public static TrustedProxies parse(List<String> entries) {
    List<Cidr> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String e = entries.get(i).trim();
      int slash = e.indexOf('/');
      String addr = slash < 0 ? e : e.substring(0, slash);
      if (!addr.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
        throw new IllegalArgumentException("[" + i + "] not an IP address or CIDR: '" + e + "'");
      }
      byte[] net;
      try {
        net = InetAddress.getByName(addr).getAddress(); // a literal: no DNS lookup happens
      } catch (UnknownHostException ex) {
        throw new IllegalArgumentException("[" + i + "] not an IP address: '" + e + "'");
      }
      int bits = net.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(e.substring(slash + 1));
        } catch (NumberFormatException ex) {
          throw new IllegalArgumentException("[" + i + "] bad prefix length in '" + e + "'");
        }
        if (bits < 0 || bits > net.length * 8) {
          throw new IllegalArgumentException("[" + i + "] prefix length out of range in '" + e + "'");
        }
      }
      out.add(new Cidr(net, bits));
    }
    return new TrustedProxies(List.copyOf(out), List.copyOf(entries));
  }

  public boolean contains(InetAddress a) {
    byte[] b = a.getAddress();
    for (Cidr c : cidrs) {
      if (c.contains(b)) {
        return true;
      }
    }
    return false;
  }

  /** Parses an IP literal (as Vert.x reports a peer) and checks it; anything unparseable is untrusted. */
  public boolean containsLiteral(String ip) {
    if (ip == null || !ip.matches("[0-9.]+|[0-9A-Fa-f:.%a-z]*:[0-9A-Fa-f:.%a-z]*")) {
      return false;
    }
    try {
      return contains(InetAddress.getByName(ip));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
