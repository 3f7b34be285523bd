package io.sslfarm.net;

import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigType;
import io.sslfarm.config.ConfigTypes;
import io.sslfarm.net.internal.IpAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A set of {@link CidrRange}s, e.g. the networks trusted to send a PROXY header. Immutable; {@code contains} is a linear
 * scan, meant for lists of tens of ranges checked once per connection.
 */
public final class CidrSet {

  /** Nothing matches. */
  public static final CidrSet EMPTY = new CidrSet(List.of());

  /**
   * A {@link ConfigType} for a list of ranges (YAML list, or a comma-separated string from the environment); an error
   * names the item, e.g. {@code ssl.trusted-proxies[2]: not a CIDR: '10.0.0.300'}.
   */
  public static final ConfigType<CidrSet> TYPE = new ConfigType<>() {
    private final ConfigType<List<CidrRange>> list = ConfigTypes.listOf(CidrRange.TYPE);

    @Override
    public CidrSet parse(String key, Object raw) {
      return new CidrSet(list.parse(key, raw));
    }

    @Override
    public String format(CidrSet value) {
      return list.format(value.ranges());
    }
  };

  private final List<CidrRange> ranges;

  private CidrSet(List<CidrRange> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  public static CidrSet of(List<CidrRange> ranges) {
    return new CidrSet(Objects.requireNonNull(ranges));
  }

  public static CidrSet of(CidrRange... ranges) {
    return new CidrSet(List.of(ranges));
  }

  /**
   * Parses each string with {@link CidrRange#parse}.
   *
   * @throws IllegalArgumentException naming the failing index, e.g. {@code [2]: not a CIDR: 'x'}
   */
  public static CidrSet parse(List<String> cidrs) {
    List<CidrRange> out = new ArrayList<>(cidrs.size());
    for (int i = 0; i < cidrs.size(); i++) {
      try {
        out.add(CidrRange.parse(cidrs.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("[" + i + "]: " + e.getMessage(), e);
      }
    }
    return new CidrSet(out);
  }

  /**
   * {@link #parse(List)} for configuration: errors are {@link ConfigException}s on {@code key[i]}.
   */
  public static CidrSet parse(String key, List<String> cidrs) {
    List<CidrRange> out = new ArrayList<>(cidrs.size());
    for (int i = 0; i < cidrs.size(); i++) {
      out.add(CidrRange.TYPE.parse(key + "[" + i + "]", cidrs.get(i)));
    }
    return new CidrSet(out);
  }

  /** True if any range contains {@code address}. */
  public boolean contains(InetAddress address) {
    if (address == null) {
      return false;
    }
    byte[] a = IpAddresses.canonicalBytes(address);
    for (CidrRange r : ranges) {
      if (r.containsBytes(a)) {
        return true;
      }
    }
    return false;
  }

  /** {@link #contains(InetAddress)} for an {@link InetSocketAddress}; false for other address kinds or unresolved ones. */
  public boolean contains(SocketAddress address) {
    return address instanceof InetSocketAddress isa && isa.getAddress() != null && contains(isa.getAddress());
  }

  public List<CidrRange> ranges() {
    return ranges;
  }

  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  @Override
  public String toString() {
    return ranges.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CidrSet s && s.ranges.equals(ranges);
  }

  @Override
  public int hashCode() {
    return ranges.hashCode();
  }
}
