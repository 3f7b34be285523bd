package io.sslfarm.net;

import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigType;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One access rule: allow or deny a network. Written either as a string, {@code "allow 10.0.0.0/8"},
 * {@code "deny 203.0.113.7"}, or as a YAML mapping {@code {action: deny, cidr: 203.0.113.0/24, description: "..."}}.
 *
 * @param action what a matching source gets
 * @param range  the source network
 */
public record AccessRule(Action action, CidrRange range) {

  /** What a rule (or the default) does with a matching source. */
  public enum Action {
    ALLOW, DENY;

    /** Lower-case name, as written in configuration and used as a metric tag. */
    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@code allow} or {@code deny} (any case).
     *
     * @throws IllegalArgumentException otherwise
     */
    public static Action parse(String s) {
      String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
      return switch (t) {
        case "allow" -> ALLOW;
        case "deny" -> DENY;
        default -> throw new IllegalArgumentException("expected allow or deny, got '" + s + "'");
      };
    }

    /** A {@link ConfigType} for an action, e.g. a default-action key. */
    public static final ConfigType<Action> TYPE = new ConfigType<>() {
      @Override
      public Action parse(String key, Object raw) {
        if (raw instanceof Map || raw instanceof List || raw == null) {
          throw new ConfigException(key, "expected allow or deny");
        }
        try {
          return Action.parse(String.valueOf(raw));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(key, e.getMessage());
        }
      }

      @Override
      public String format(Action value) {
        return value.tag();
      }
    };
  }

  /**
   * A {@link ConfigType} for one rule, string or mapping. Errors name the failing part: {@code edge.acl[2]: expected
   * 'allow <cidr>' or 'deny <cidr>'}, {@code edge.acl[2].cidr: not a CIDR: '10.0.0.300/8' ...},
   * {@code edge.acl[2].action: expected allow or deny, got 'permit'}, {@code edge.acl[2].port: unknown key}.
   */
  public static final ConfigType<AccessRule> TYPE = new ConfigType<>() {
    @Override
    public AccessRule parse(String key, Object raw) {
      if (raw instanceof Map<?, ?> map) {
        return fromMap(key, map);
      }
      if (raw == null || raw instanceof List) {
        throw new ConfigException(key, "expected 'allow <cidr>', 'deny <cidr>' or {action: ..., cidr: ...}");
      }
      return fromString(key, String.valueOf(raw));
    }

    @Override
    public String format(AccessRule value) {
      return value.toString();
    }
  };

  public AccessRule {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(range, "range");
  }

  public static AccessRule allow(String cidr) {
    return new AccessRule(Action.ALLOW, CidrRange.parse(cidr));
  }

  public static AccessRule deny(String cidr) {
    return new AccessRule(Action.DENY, CidrRange.parse(cidr));
  }

  /**
   * Parses {@code "allow <cidr>"} or {@code "deny <cidr>"}.
   *
   * @throws IllegalArgumentException if malformed
   */
  public static AccessRule parse(String s) {
    try {
      return fromString("rule", s);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static AccessRule fromString(String key, String s) {
    String[] parts = s.trim().split("\\s+");
    if (parts.length != 2) {
      throw new ConfigException(key, "expected 'allow <cidr>' or 'deny <cidr>', got '" + s + "'");
    }
    Action action;
    try {
      action = Action.parse(parts[0]);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, "expected 'allow <cidr>' or 'deny <cidr>', got '" + s + "'");
    }
    try {
      return new AccessRule(action, CidrRange.parse(parts[1]));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, e.getMessage());
    }
  }

  private static AccessRule fromMap(String key, Map<?, ?> map) {
    for (Object k : map.keySet()) {
      String name = String.valueOf(k);
      if (!name.equals("action") && !name.equals("cidr") && !name.equals("description")) {
        throw new ConfigException(key + "." + name, "unknown key (expected action, cidr, description)");
      }
    }
    if (!map.containsKey("action")) {
      throw new ConfigException(key + ".action", "missing (allow or deny)");
    }
    if (!map.containsKey("cidr")) {
      throw new ConfigException(key + ".cidr", "missing (e.g. 10.0.0.0/8)");
    }
    Action action = Action.TYPE.parse(key + ".action", map.get("action"));
    CidrRange range = CidrRange.TYPE.parse(key + ".cidr", map.get("cidr"));
    return new AccessRule(action, range);
  }

  /** {@code allow 10.0.0.0/8}: the string form, parseable by {@link #parse}. */
  @Override
  public String toString() {
    return action.tag() + " " + range;
  }
}
