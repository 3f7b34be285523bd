package io.sslfarm.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a node file, applies {@code SSLFARM_…} environment overrides, and validates every value against the
 * {@link ConfigSchema}. The first problem stops loading with a {@link ConfigException} naming the key.
 *
 * <p>Order of precedence: explicit overrides (command-line) &gt; environment &gt; file &gt; defaults.
 */
public final class NodeConfigLoader {

  private final ConfigSchema schema;

  public NodeConfigLoader(ConfigSchema schema) {
    this.schema = schema;
  }

  /** Loads {@code file} (may be null: defaults and environment only). */
  public NodeConfig load(Path file, Map<String, String> env, Map<String, Object> overrides) {
    Map<String, Object> raw = new HashMap<>();
    if (file != null) {
      String text;
      try {
        text = Files.readString(file);
      } catch (IOException e) {
        throw new ConfigException("config", "cannot read " + file + ": " + e.getMessage());
      }
      raw.putAll(parseYaml(text, file.toString()));
    }
    Map<String, String> envNames = new HashMap<>();
    schema.keys().values().forEach(k -> envNames.put(k.envName(), k.path()));
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("SSLFARM_") || NON_KEY_VARIABLES.contains(name)) {
        continue;
      }
      String path = envNames.get(name);
      if (path == null) {
        throw new ConfigException(name, "unknown environment variable (no such config key)");
      }
      raw.put(path, e.getValue());
    }
    overrides.forEach((k, v) -> {
      if (schema.key(k) == null) {
        throw new ConfigException(k, "unknown key");
      }
      raw.put(k, v);
    });
    Map<String, Object> typed = new HashMap<>();
    for (Map.Entry<String, Object> e : raw.entrySet()) {
      ConfigKey<?> key = schema.key(e.getKey());
      if (e.getValue() == null) {
        continue;
      }
      typed.put(e.getKey(), key.type().parse(e.getKey(), e.getValue()));
    }
    return new NodeConfig(schema, typed, file);
  }

  /**
   * Environment variables that start with SSLFARM_ but are not node config keys: the launcher's (OPTS, HOME, JAR), the
   * CLI's (ADMIN), docker-compose's (IMAGE, BIND, SUBNET) and CI's (SHARED). Any other unknown SSLFARM_ variable is
   * refused, so that a misspelt key does not pass silently.
   */
  private static final List<String> NON_KEY_VARIABLES = List.of("SSLFARM_HOME", "SSLFARM_OPTS", "SSLFARM_JAR",
      "SSLFARM_ADMIN", "SSLFARM_IMAGE", "SSLFARM_BIND", "SSLFARM_SUBNET", "SSLFARM_SHARED");

  /** Parses YAML text into dotted key paths; rejects unknown keys. */
  public Map<String, Object> parseYaml(String text, String where) {
    Object doc;
    try {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (YAMLException e) {
      throw new ConfigException("config", where + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    Map<String, Object> flat = new HashMap<>();
    if (doc == null) {
      return flat;
    }
    if (!(doc instanceof Map<?, ?> m)) {
      throw new ConfigException("config", where + " must be a YAML mapping at the top level");
    }
    flatten("", m, flat);
    return flat;
  }

  private void flatten(String prefix, Map<?, ?> m, Map<String, Object> out) {
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String path = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
      if (schema.key(path) != null) {
        out.put(path, e.getValue());
      } else if (schema.isSection(path)) {
        if (e.getValue() == null) {
          continue;
        }
        if (!(e.getValue() instanceof Map<?, ?> sub)) {
          throw new ConfigException(path, "expected a mapping (section)");
        }
        flatten(path, sub, out);
      } else {
        throw new ConfigException(path, "unknown key");
      }
    }
  }
}
