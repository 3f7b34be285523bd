package io.sslfarm.config;

import io.sslfarm.cluster.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The value types of node configuration keys. */
public final class ConfigTypes {

  private ConfigTypes() {
  }

  public static final ConfigType<String> STRING = (key, raw) -> {
    if (raw instanceof Map || raw instanceof List) {
      throw new ConfigException(key, "expected a string, got a " + (raw instanceof Map ? "mapping" : "list"));
    }
    return String.valueOf(raw);
  };

  public static final ConfigType<Boolean> BOOLEAN = (key, raw) -> {
    if (raw instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new ConfigException(key, "expected true or false, got '" + raw + "'");
    };
  };

  public static ConfigType<Integer> intRange(int min, int max) {
    return (key, raw) -> {
      long v;
      if (raw instanceof Number n && !(raw instanceof Double) && !(raw instanceof Float)) {
        v = n.longValue();
      } else {
        try {
          v = Long.parseLong(String.valueOf(raw).trim());
        } catch (NumberFormatException e) {
          throw new ConfigException(key, "expected an integer, got '" + raw + "'");
        }
      }
      if (v < min || v > max) {
        throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + v);
      }
      return (int) v;
    };
  }

  /** A TCP port; 0 picks a free port. */
  public static final ConfigType<Integer> PORT = intRange(0, 65535);

  public static final ConfigType<Integer> WEIGHT = intRange(0, 100);

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

  /** A duration: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
  public static final ConfigType<Duration> DURATION_TYPE = new ConfigType<>() {
    @Override
    public Duration parse(String key, Object raw) {
      String s = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
      Matcher m = DURATION.matcher(s);
      if (!m.matches()) {
        throw new ConfigException(key, "expected a duration like 500ms, 5s, 2m or 1h, got '" + raw + "'");
      }
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      return switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofSeconds(n);
      };
    }

    @Override
    public String format(Duration d) {
      long ms = d.toMillis();
      if (ms % 3_600_000 == 0 && ms > 0) {
        return ms / 3_600_000 + "h";
      }
      if (ms % 60_000 == 0 && ms > 0) {
        return ms / 60_000 + "m";
      }
      return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
  };

  /** {@code host:port}. */
  public static final ConfigType<HostPort> HOST_PORT = (key, raw) -> {
    try {
      return HostPort.parse(String.valueOf(raw));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, e.getMessage());
    }
  };

  /** A list of strings: a YAML list, or a comma-separated string (environment variables). */
  public static final ConfigType<List<String>> STRING_LIST = new ConfigType<>() {
    @Override
    public List<String> parse(String key, Object raw) {
      List<String> out = new ArrayList<>();
      if (raw instanceof List<?> l) {
        for (int i = 0; i < l.size(); i++) {
          Object o = l.get(i);
          if (o instanceof Map || o instanceof List || o == null) {
            throw new ConfigException(key + "[" + i + "]", "expected a string");
          }
          out.add(String.valueOf(o).trim());
        }
      } else if (raw instanceof Map) {
        throw new ConfigException(key, "expected a list, got a mapping");
      } else {
        String s = String.valueOf(raw).trim();
        if (!s.isEmpty()) {
          Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).forEach(out::add);
        }
      }
      return List.copyOf(out);
    }

    @Override
    public String format(List<String> v) {
      return flowList(v);
    }
  };

  /** A list of {@code host:port}. */
  public static final ConfigType<List<HostPort>> HOST_PORT_LIST = new ConfigType<>() {
    @Override
    public List<HostPort> parse(String key, Object raw) {
      List<String> items = STRING_LIST.parse(key, raw);
      List<HostPort> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        out.add(HOST_PORT.parse(key + "[" + i + "]", items.get(i)));
      }
      return List.copyOf(out);
    }

    @Override
    public String format(List<HostPort> v) {
      return flowList(v.stream().map(HostPort::toString).toList());
    }
  };

  /** One of the given lower-case words. */
  public static ConfigType<String> oneOf(String... allowed) {
    return (key, raw) -> {
      String s = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
      for (String a : allowed) {
        if (a.equals(s)) {
          return a;
        }
      }
      throw new ConfigException(key, "expected one of " + String.join(", ", allowed) + ", got '" + raw + "'");
    };
  }

  /**
   * A list of items each validated by {@code item} (items may be mappings, e.g. ACL rules). From the environment, a
   * comma-separated string whose items are parsed by {@code item} as strings.
   */
  public static <T> ConfigType<List<T>> listOf(ConfigType<T> item) {
    return new ConfigType<>() {
      @Override
      public List<T> parse(String key, Object raw) {
        List<?> items;
        if (raw instanceof List<?> l) {
          items = l;
        } else if (raw instanceof Map) {
          throw new ConfigException(key, "expected a list, got a mapping");
        } else {
          items = STRING_LIST.parse(key, raw);
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          out.add(item.parse(key + "[" + i + "]", items.get(i)));
        }
        return List.copyOf(out);
      }

      @Override
      public String format(List<T> v) {
        return flowList(v.stream().map(item::format).toList());
      }
    };
  }

  /**
   * A YAML flow sequence of the items, each single-quoted unless it is a plain word: {@code 127.0.0.1:5701} and
   * {@code ::1/128} are not valid plain scalars inside {@code [...]}.
   */
  static String flowList(List<String> items) {
    List<String> out = new ArrayList<>(items.size());
    for (String item : items) {
      out.add(item.matches("[A-Za-z0-9_./\\-]+") ? item : "'" + item.replace("'", "''") + "'");
    }
    return "[" + String.join(", ", out) + "]";
  }
}
