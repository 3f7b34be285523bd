package io.sslfarm.config;

/** Parses and validates a raw YAML value (or an environment variable's string) for one key. */
@FunctionalInterface
public interface ConfigType<T> {

  /**
   * @param key the key path, for error messages
   * @param raw a YAML scalar, list or map, or a String from the environment
   * @throws ConfigException naming {@code key} if the value is invalid
   */
  T parse(String key, Object raw);

  /** How the value is written in the example file (defaults to {@code String.valueOf}). */
  default String format(T value) {
    return String.valueOf(value);
  }
}
