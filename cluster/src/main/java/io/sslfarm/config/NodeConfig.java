package io.sslfarm.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;

/**
 * A validated, immutable node configuration. Built once at start-up by {@link NodeConfigLoader}; every value has
 * already been parsed by its key's type, so {@link #get} never fails for a declared key.
 */
public final class NodeConfig {

  private final ConfigSchema schema;
  private final Map<String, Object> values;
  private final Path source;

  NodeConfig(ConfigSchema schema, Map<String, Object> values, Path source) {
    this.schema = schema;
    this.values = Collections.unmodifiableMap(values);
    this.source = source;
  }

  /** The value of {@code key}, or its default. */
  @SuppressWarnings("unchecked")
  public <T> T get(ConfigKey<T> key) {
    if (schema.key(key.path()) == null) {
      throw new IllegalArgumentException("undeclared config key " + key.path());
    }
    Object v = values.get(key.path());
    return v == null ? key.defaultValue() : (T) v;
  }

  /** The value of {@code key} if it was set in the file or environment. */
  @SuppressWarnings("unchecked")
  public <T> Optional<T> explicit(ConfigKey<T> key) {
    return Optional.ofNullable((T) values.get(key.path()));
  }

  /** A copy with {@code key} set (values already typed); used by {@code sslfarm up} to derive per-node configs. */
  public <T> NodeConfig with(ConfigKey<T> key, T value) {
    java.util.HashMap<String, Object> m = new java.util.HashMap<>(values);
    m.put(key.path(), value);
    return new NodeConfig(schema, m, source);
  }

  public ConfigSchema schema() {
    return schema;
  }

  /** The file it was read from, if any. */
  public Optional<Path> source() {
    return Optional.ofNullable(source);
  }
}
