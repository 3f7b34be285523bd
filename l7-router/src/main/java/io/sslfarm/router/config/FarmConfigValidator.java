package io.sslfarm.router.config;

import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigTypes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates the router's sections of the farm config and builds the immutable {@link RouterFarmConfig}.
 *
 * <pre>
 * routes:                       # section "routes"
 *   default-pool: web           # optional; requests no rule matches go here (absent: 503)
 *   rules:                      # ordered, first match wins
 *     - host: api.example.com   # exact, "*.example.com", or absent = any host
 *       path-prefix: /api/      # default "/"; segment boundaries: /api matches /api/x, not /apix
 *       pool: api
 * pools:                        # section "pools"
 *   web:
 *     backends:                 # at least one
 *       - id: web-1             # [A-Za-z0-9_-]{1,64}, unique in the pool
 *         address: 10.0.0.11:8080
 *         weight: 10            # 0-100, default 10; 0 = drain (no new sessions)
 *     sticky:                   # default mode none
 *       mode: insert            # insert | learn | none
 *       cookie: SSLFARM_STICKY  # insert mode cookie name
 *       learn-cookie: JSESSIONID
 *       idle-ttl: 30m
 *       strict: false           # sticky backend gone: false = re-stick, true = 503
 *     health:                   # optional: active checks
 *       path: /health
 *       interval: 5s
 *       timeout: 2s
 *       rise: 2
 *       fall: 3
 *       expect-status: 200-399  # a code or an inclusive range
 *     slow-start: 0s
 * </pre>
 *
 * Every problem is reported (not only the first), each prefixed with its path, e.g.
 * {@code pools.web.backends[1].address: not host:port: 'x'}. Unknown keys are errors (typos must not pass silently).
 */
public final class FarmConfigValidator {

  public static final String ROUTES_SECTION = "routes";
  public static final String POOLS_SECTION = "pools";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  // RFC 6265 cookie-name = token
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
  private static final Pattern HOST = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
  private static final Pattern STATUS = Pattern.compile("([1-5]\\d\\d)(?:-([1-5]\\d\\d))?");

  private final List<String> problems = new ArrayList<>();

  private FarmConfigValidator() {
  }

  /**
   * @return the router config built from sections {@code routes} and {@code pools} (absent sections = empty)
   * @throws FarmConfigException listing every problem, each starting with its path
   */
  public static RouterFarmConfig validate(FarmConfig config) {
    return validate(config.section(ROUTES_SECTION), config.section(POOLS_SECTION));
  }

  public static RouterFarmConfig validate(JsonObject routes, JsonObject pools) {
    FarmConfigValidator v = new FarmConfigValidator();
    Map<String, PoolSpec> poolMap = v.pools(pools);
    List<RouteRule> rules = new ArrayList<>();
    String defaultPool = v.routes(routes, poolMap, rules);
    if (!v.problems.isEmpty()) {
      throw new FarmConfigException(v.problems);
    }
    return new RouterFarmConfig(rules, defaultPool, poolMap);
  }

  private String routes(JsonObject routes, Map<String, PoolSpec> pools, List<RouteRule> out) {
    String p = ROUTES_SECTION;
    unknownKeys(p, routes, Set.of("default-pool", "rules"));
    String defaultPool = null;
    Object dp = routes.getValue("default-pool");
    if (dp != null) {
      defaultPool = poolRef(p + ".default-pool", dp, pools);
    }
    Object rs = routes.getValue("rules");
    if (rs == null) {
      return defaultPool;
    }
    if (!(rs instanceof JsonArray arr)) {
      problem(p + ".rules", "expected a list");
      return defaultPool;
    }
    for (int i = 0; i < arr.size(); i++) {
      String rp = p + ".rules[" + i + "]";
      if (!(arr.getValue(i) instanceof JsonObject r)) {
        problem(rp, "expected a mapping with host, path-prefix, pool");
        continue;
      }
      unknownKeys(rp, r, Set.of("host", "path-prefix", "pool"));
      String host = null;
      Object h = r.getValue("host");
      if (h != null) {
        host = String.valueOf(h).trim().toLowerCase(Locale.ROOT);
        if (!HOST.matcher(host).matches()) {
          problem(rp + ".host", "expected a host name or *.domain, got '" + h + "'");
        }
      }
      String prefix = "/";
      Object pp = r.getValue("path-prefix");
      if (pp != null) {
        prefix = String.valueOf(pp);
        if (!prefix.startsWith("/") || prefix.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
          problem(rp + ".path-prefix", "must start with / and contain no spaces or control characters");
        }
      }
      Object pool = r.getValue("pool");
      String poolName = null;
      if (pool == null) {
        problem(rp + ".pool", "missing");
      } else {
        poolName = poolRef(rp + ".pool", pool, pools);
      }
      out.add(new RouteRule(host, prefix, poolName));
    }
    return defaultPool;
  }

  private String poolRef(String path, Object v, Map<String, PoolSpec> pools) {
    String name = String.valueOf(v);
    if (!pools.containsKey(name)) {
      problem(path, "no pool named '" + name + "' in section pools");
    }
    return name;
  }

  private Map<String, PoolSpec> pools(JsonObject pools) {
    Map<String, PoolSpec> out = new LinkedHashMap<>();
    for (String name : pools.fieldNames()) {
      String p = POOLS_SECTION + "." + name;
      if (!NAME.matcher(name).matches()) {
        problem(p, "pool name must match [A-Za-z0-9_.-]{1,64}");
      }
      if (!(pools.getValue(name) instanceof JsonObject pool)) {
        problem(p, "expected a mapping");
        continue;
      }
      unknownKeys(p, pool, Set.of("backends", "sticky", "health", "slow-start"));
      List<BackendSpec> backends = backends(p + ".backends", pool.getValue("backends"));
      StickySpec sticky = sticky(p + ".sticky", pool.getValue("sticky"));
      Optional<HealthSpec> health = health(p + ".health", pool.getValue("health"));
      Duration slowStart = duration(p + ".slow-start", pool.getValue("slow-start"), Duration.ZERO);
      out.put(name, new PoolSpec(name, backends, sticky, health, slowStart));
    }
    return out;
  }

  private List<BackendSpec> backends(String p, Object raw) {
    List<BackendSpec> out = new ArrayList<>();
    if (raw == null) {
      problem(p, "missing (a pool needs at least one backend)");
      return out;
    }
    if (!(raw instanceof JsonArray arr) || arr.isEmpty()) {
      problem(p, "expected a non-empty list");
      return out;
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      String bp = p + "[" + i + "]";
      if (!(arr.getValue(i) instanceof JsonObject b)) {
        problem(bp, "expected a mapping with id, address, weight");
        continue;
      }
      unknownKeys(bp, b, Set.of("id", "address", "weight"));
      String id = b.getValue("id") == null ? null : String.valueOf(b.getValue("id"));
      if (id == null) {
        problem(bp + ".id", "missing");
      } else if (!ID.matcher(id).matches()) {
        problem(bp + ".id", "must match [A-Za-z0-9_-]{1,64} (it is written into cookies), got '" + id + "'");
      } else if (!ids.add(id)) {
        problem(bp + ".id", "duplicate backend id '" + id + "' in this pool");
      }
      HostPort address = null;
      if (b.getValue("address") == null) {
        problem(bp + ".address", "missing");
      } else {
        address = parse(() -> ConfigTypes.HOST_PORT.parse(bp + ".address", b.getValue("address")));
        if (address != null && address.port() == 0) {
          problem(bp + ".address", "port 0 is not a backend port");
        }
      }
      Integer weight = b.getValue("weight") == null ? Integer.valueOf(BackendSpec.DEFAULT_WEIGHT)
          : parse(() -> ConfigTypes.WEIGHT.parse(bp + ".weight", b.getValue("weight")));
      if (id != null && address != null && weight != null) {
        out.add(new BackendSpec(id, address, weight));
      }
    }
    return out;
  }

  private StickySpec sticky(String p, Object raw) {
    if (raw == null) {
      return StickySpec.NONE;
    }
    if (!(raw instanceof JsonObject s)) {
      problem(p, "expected a mapping");
      return StickySpec.NONE;
    }
    unknownKeys(p, s, Set.of("mode", "cookie", "learn-cookie", "idle-ttl", "strict"));
    String modeText = s.getValue("mode") == null ? "none" : String.valueOf(s.getValue("mode"));
    String m = parse(() -> ConfigTypes.oneOf("insert", "learn", "none").parse(p + ".mode", modeText));
    StickySpec.Mode mode = m == null ? StickySpec.Mode.NONE : StickySpec.Mode.valueOf(m.toUpperCase(Locale.ROOT));
    String cookie = token(p + ".cookie", s.getValue("cookie"), StickySpec.DEFAULT_COOKIE);
    String learn = token(p + ".learn-cookie", s.getValue("learn-cookie"), StickySpec.DEFAULT_LEARN_COOKIE);
    Duration ttl = duration(p + ".idle-ttl", s.getValue("idle-ttl"), StickySpec.DEFAULT_IDLE_TTL);
    if (mode == StickySpec.Mode.LEARN && ttl != null && ttl.isZero()) {
      problem(p + ".idle-ttl", "learn mode needs a positive idle TTL (the session table would grow forever)");
    }
    Boolean strict = s.getValue("strict") == null ? Boolean.FALSE
        : parse(() -> ConfigTypes.BOOLEAN.parse(p + ".strict", s.getValue("strict")));
    return new StickySpec(mode, cookie, learn, ttl == null ? StickySpec.DEFAULT_IDLE_TTL : ttl,
        strict != null && strict);
  }

  private Optional<HealthSpec> health(String p, Object raw) {
    if (raw == null) {
      return Optional.empty();
    }
    if (!(raw instanceof JsonObject h)) {
      problem(p, "expected a mapping");
      return Optional.empty();
    }
    unknownKeys(p, h, Set.of("path", "interval", "timeout", "rise", "fall", "expect-status"));
    String path = h.getValue("path") == null ? "/" : String.valueOf(h.getValue("path"));
    if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
      problem(p + ".path", "must start with / and contain no spaces or control characters");
    }
    Duration interval = duration(p + ".interval", h.getValue("interval"), HealthSpec.DEFAULT_INTERVAL);
    Duration timeout = duration(p + ".timeout", h.getValue("timeout"), HealthSpec.DEFAULT_TIMEOUT);
    if (interval != null && interval.toMillis() < 100) {
      problem(p + ".interval", "must be at least 100ms");
    }
    if (timeout != null && (timeout.isZero() || (interval != null && timeout.compareTo(interval) > 0))) {
      problem(p + ".timeout", "must be positive and not longer than the interval");
    }
    Integer rise = h.getValue("rise") == null ? Integer.valueOf(HealthSpec.DEFAULT_RISE)
        : parse(() -> ConfigTypes.intRange(1, 100).parse(p + ".rise", h.getValue("rise")));
    Integer fall = h.getValue("fall") == null ? Integer.valueOf(HealthSpec.DEFAULT_FALL)
        : parse(() -> ConfigTypes.intRange(1, 100).parse(p + ".fall", h.getValue("fall")));
    int min = 200;
    int max = 399;
    Object es = h.getValue("expect-status");
    if (es != null) {
      var m = STATUS.matcher(String.valueOf(es).trim());
      if (!m.matches()) {
        problem(p + ".expect-status", "expected a status code or a range like 200-399, got '" + es + "'");
      } else {
        min = Integer.parseInt(m.group(1));
        max = m.group(2) == null ? min : Integer.parseInt(m.group(2));
        if (max < min) {
          problem(p + ".expect-status", "range upper bound below lower bound");
        }
      }
    }
    if (interval == null || timeout == null || rise == null || fall == null) {
      return Optional.empty();
    }
    return Optional.of(new HealthSpec(path, interval, timeout, rise, fall, min, max));
  }

  private String token(String p, Object raw, String dflt) {
    if (raw == null) {
      return dflt;
    }
    String s = String.valueOf(raw);
    if (!TOKEN.matcher(s).matches()) {
      problem(p, "not a valid cookie name: '" + s + "'");
    }
    return s;
  }

  private Duration duration(String p, Object raw, Duration dflt) {
    if (raw == null) {
      return dflt;
    }
    return parse(() -> ConfigTypes.DURATION_TYPE.parse(p, raw));
  }

  private <T> T parse(java.util.function.Supplier<T> s) {
    try {
      return s.get();
    } catch (ConfigException e) {
      problems.add(e.getMessage());
      return null;
    }
  }

  private void unknownKeys(String p, JsonObject o, Set<String> known) {
    for (String k : o.fieldNames()) {
      if (!known.contains(k)) {
        problem(p + "." + k, "unknown key (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
  }

  private void problem(String path, String what) {
    problems.add(path + ": " + what);
  }
}
