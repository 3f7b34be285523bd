package io.sslfarm.cluster;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable snapshot of the farm config: named sections (e.g. {@code routes}, {@code pools}, {@code edge},
 * {@code tls}), each a JSON object, as applied with {@code sslfarm apply}. Tiers parse the sections they own.
 */
public record FarmConfig(Map<String, JsonObject> sections) {

  public static final FarmConfig EMPTY = new FarmConfig(Map.of());

  public FarmConfig {
    TreeMap<String, JsonObject> copy = new TreeMap<>();
    sections.forEach((k, v) -> copy.put(k, v.copy()));
    sections = java.util.Collections.unmodifiableMap(copy);
  }

  /** A copy of one section, or an empty object if absent. */
  public JsonObject section(String name) {
    JsonObject s = sections.get(name);
    return s == null ? new JsonObject() : s.copy();
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject();
    sections.forEach((k, v) -> j.put(k, v.copy()));
    return j;
  }

  public static FarmConfig fromJson(JsonObject j) {
    TreeMap<String, JsonObject> m = new TreeMap<>();
    for (String k : j.fieldNames()) {
      Object v = j.getValue(k);
      if (!(v instanceof JsonObject o)) {
        throw new IllegalArgumentException(k + ": a farm config section must be a mapping");
      }
      m.put(k, o);
    }
    return new FarmConfig(m);
  }
}
