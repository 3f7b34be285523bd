package io.sslfarm.config;

import java.util.Objects;

/**
 * One key of the node file: its dotted path ({@code edge.port}), type, default and documentation. The environment
 * variable is the path upper-cased with dots and dashes as underscores: {@code edge.max-connections} →
 * {@code SSLFARM_EDGE_MAX_CONNECTIONS}.
 *
 * @param path         dotted key path
 * @param type         parser and validator
 * @param defaultValue the value when the key is absent; null means "no default" (see {@code doc})
 * @param doc          one line: meaning, unit, and what 0 or empty means
 */
public record ConfigKey<T>(String path, ConfigType<T> type, T defaultValue, String doc) {

  public ConfigKey {
    Objects.requireNonNull(path);
    Objects.requireNonNull(type);
    Objects.requireNonNull(doc);
  }

  public static <T> ConfigKey<T> of(String path, ConfigType<T> type, T defaultValue, String doc) {
    return new ConfigKey<>(path, type, defaultValue, doc);
  }

  /** The environment variable that overrides this key. */
  public String envName() {
    return "SSLFARM_" + path.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
