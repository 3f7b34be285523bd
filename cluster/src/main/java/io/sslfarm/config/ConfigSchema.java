package io.sslfarm.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key a node understands. Built from the keys each module declares (its {@code *Options.KEYS}); a key in a
 * file or the environment that is not here stops the node.
 */
public final class ConfigSchema {

  private final Map<String, ConfigKey<?>> keys;

  private ConfigSchema(Map<String, ConfigKey<?>> keys) {
    this.keys = Collections.unmodifiableMap(keys);
  }

  public static ConfigSchema of(Collection<? extends ConfigKey<?>>... groups) {
    Map<String, ConfigKey<?>> m = new LinkedHashMap<>();
    for (Collection<? extends ConfigKey<?>> g : groups) {
      for (ConfigKey<?> k : g) {
        if (m.put(k.path(), k) != null) {
          throw new IllegalStateException("config key declared twice: " + k.path());
        }
      }
    }
    return new ConfigSchema(m);
  }

  public Map<String, ConfigKey<?>> keys() {
    return keys;
  }

  public ConfigKey<?> key(String path) {
    return keys.get(path);
  }

  /** True if {@code path} is a declared key or a prefix (section) of one. */
  boolean isSection(String path) {
    String prefix = path + ".";
    return keys.keySet().stream().anyMatch(k -> k.startsWith(prefix));
  }

  /**
   * The example file: every key with its default and documentation, nested by section. Keys without a default are
   * written commented out.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public String exampleYaml() {
    StringBuilder sb = new StringBuilder();
    List<String> openSections = new ArrayList<>();
    for (ConfigKey<?> k : keys.values()) {
      String[] parts = k.path().split("\\.");
      int common = 0;
      while (common < openSections.size() && common < parts.length - 1 && openSections.get(common).equals(parts[common])) {
        common++;
      }
      while (openSections.size() > common) {
        openSections.remove(openSections.size() - 1);
      }
      for (int i = common; i < parts.length - 1; i++) {
        if (i == 0) {
          sb.append('\n');
        }
        sb.append("  ".repeat(i)).append(parts[i]).append(":\n");
        openSections.add(parts[i]);
      }
      String indent = "  ".repeat(parts.length - 1);
      sb.append(indent).append("# ").append(k.doc()).append(" (env ").append(k.envName()).append(")\n");
      String leaf = parts[parts.length - 1];
      if (k.defaultValue() == null) {
        sb.append(indent).append("# ").append(leaf).append(":\n");
      } else {
        String v = ((ConfigType) k.type()).format(k.defaultValue());
        sb.append(indent).append(leaf).append(": ").append(quoteIfNeeded(v)).append('\n');
      }
    }
    return sb.toString();
  }

  private static String quoteIfNeeded(String v) {
    if (v.isEmpty()) {
      return "\"\"";
    }
    if (v.startsWith("[") || v.matches("[A-Za-z0-9_./:\\-]+")) {
      return v;
    }
    return "\"" + v.replace("\"", "\\\"") + "\"";
  }
}
