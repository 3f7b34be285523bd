package io.sslfarm.router;

import static io.sslfarm.router.RouterFixture.backend;
import static io.sslfarm.router.RouterFixture.config;
import static io.sslfarm.router.RouterFixture.directOptions;
import static io.sslfarm.router.RouterFixture.pool;
import static io.sslfarm.router.RouterFixture.router;
import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.cluster.SessionTable;
import io.sslfarm.router.RouterFixture.CookieJar;
import io.sslfarm.router.affinity.LocalSessionTable;
import io.sslfarm.router.internal.RouterEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class RouterStickyTest {

  private static final int USERS = 200;
  private static final int ROUNDS = 20;

  private Vertx vertx;
  private HttpClient client;
  private final List<HttpServer> backends = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(32));
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private HttpServer[] startBackends(int n, boolean learn) {
    for (int i = 0; i < n; i++) {
      backends.add(backend(vertx, "b" + i, learn));
    }
    return backends.toArray(new HttpServer[0]);
  }

  /** One request as a user: sends the jar, stores Set-Cookie, returns the backend id that answered. */
  private Future<String> get(int port, CookieJar jar) {
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/app").putHeader("Host", "shop.example.com");
    String c = jar.header();
    if (!c.isEmpty()) {
      ro.putHeader("Cookie", c);
    }
    // body() is called in the same callback that receives the response, so no data can be missed
    return client.request(ro).compose(r -> r.send().compose(resp -> {
      jar.store(resp.headers().getAll("Set-Cookie"));
      return resp.body().map(b -> resp.statusCode() == 200 ? b.toString() : "status-" + resp.statusCode());
    }));
  }

  /**
   * Runs {@code rounds} rounds; in each, every user sends one request to router {@code (user + round) % 2} (or to
   * the one router left). Records, per user, every backend that answered.
   */
  private void rounds(List<CookieJar> jars, Map<Integer, Set<String>> seen, int fromRound, int toRound,
      int[] ports) {
    for (int r = fromRound; r < toRound; r++) {
      List<Future<String>> fs = new ArrayList<>();
      for (int u = 0; u < jars.size(); u++) {
        int port = ports[(u + r) % ports.length];
        int user = u;
        fs.add(get(port, jars.get(u)).onSuccess(id -> seen.computeIfAbsent(user, k -> ConcurrentHashMap.newKeySet())
            .add(id)));
      }
      Future.all(fs).await();
    }
  }

  private static List<CookieJar> jars(int n) {
    List<CookieJar> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(new CookieJar());
    }
    return l;
  }

  private static void assertEachUserOnOneBackend(Map<Integer, Set<String>> seen, int users) {
    assertThat(seen).hasSize(users);
    seen.forEach((u, ids) -> assertThat(ids).as("user %d", u).hasSize(1).allMatch(id -> id.matches("b\\d")));
  }

  @Test
  void insertMode_200UsersStayOnOneBackendAcrossTwoRouters_evenWhenOneRouterStops() {
    HttpServer[] bs = startBackends(3, false);
    RouterEngine a = router(vertx, directOptions(), config(pool("insert", false, bs)), null);
    RouterEngine b = router(vertx, directOptions(), config(pool("insert", false, bs)), null);
    List<CookieJar> jars = jars(USERS);
    Map<Integer, Set<String>> seen = new ConcurrentHashMap<>();

    rounds(jars, seen, 0, ROUNDS / 2, new int[] {a.port(), b.port()});
    b.close().await(); // a router node stopped mid-test
    rounds(jars, seen, ROUNDS / 2, ROUNDS, new int[] {a.port()});

    assertEachUserOnOneBackend(seen, USERS);
    // and the users are spread over all backends
    Set<String> used = new HashSet<>();
    seen.values().forEach(used::addAll);
    assertThat(used).containsExactlyInAnyOrder("b0", "b1", "b2");
    a.close().await();
  }

  @Test
  void learnMode_200UsersStayOnOneBackendWithSharedSessionTable_evenWhenOneRouterStops() {
    HttpServer[] bs = startBackends(3, true);
    // stands in for the cluster's table: one instance per pool shared by both routers
    Map<String, SessionTable> shared = new ConcurrentHashMap<>();
    BiFunction<String, Duration, SessionTable> tables = (p, ttl) -> shared.computeIfAbsent(p,
        k -> new LocalSessionTable(k, ttl));
    RouterEngine a = router(vertx, directOptions(), config(pool("learn", false, bs)), tables);
    RouterEngine b = router(vertx, directOptions(), config(pool("learn", false, bs)), tables);
    List<CookieJar> jars = jars(USERS);
    Map<Integer, Set<String>> seen = new ConcurrentHashMap<>();

    rounds(jars, seen, 0, ROUNDS / 2, new int[] {a.port(), b.port()});
    b.close().await();
    rounds(jars, seen, ROUNDS / 2, ROUNDS, new int[] {a.port()});

    assertEachUserOnOneBackend(seen, USERS);
    // the app's own session id names the backend that created it: the router learned it rather than guessed
    for (int u = 0; u < USERS; u++) {
      String sid = jars.get(u).get("JSESSIONID");
      assertThat(sid).startsWith(seen.get(u).iterator().next() + "-");
      assertThat(jars.get(u).get("SSLFARM_STICKY")).isNull();
    }
    assertThat(((LocalSessionTable) shared.get("web")).size()).isEqualTo(USERS);
    a.close().await();
  }

  @Test
  void learnMode_cookieFloodRecordsNothing_andTheTableHoldsKeyedHashesOnly() {
    HttpServer[] bs = startBackends(2, true);
    Map<String, SessionTable> shared = new ConcurrentHashMap<>();
    BiFunction<String, Duration, SessionTable> tables = (p, ttl) -> shared.computeIfAbsent(p,
        k -> new LocalSessionTable(k, ttl));
    RouterEngine a = router(vertx, directOptions(), config(pool("learn", false, bs)), tables);
    // a client looping random (and large) session ids the backends never issued
    List<Future<String>> flood = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      CookieJar forged = new CookieJar();
      forged.put("JSESSIONID", java.util.UUID.randomUUID() + "x".repeat(4000));
      flood.add(get(a.port(), forged));
    }
    assertThat(Future.all(flood).await().list()).allMatch(r -> r.equals("b0") || r.equals("b1"));
    assertThat(((LocalSessionTable) tables.apply("web", Duration.ofMinutes(30))).size())
        .as("only a backend's Set-Cookie creates a binding").isZero();
    // a real session: learned from the backend's Set-Cookie, stored under a 22-character keyed hash
    CookieJar user = new CookieJar();
    String first = get(a.port(), user).await();
    String sid = user.get("JSESSIONID");
    assertThat(sid).startsWith(first + "-");
    LocalSessionTable t = (LocalSessionTable) shared.get("web");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> t.size() == 1);
    assertThat(t.lookup(sid).toCompletableFuture().join()).as("no session id in clear").isEmpty();
    for (int i = 0; i < 10; i++) {
      assertThat(get(a.port(), user).await()).isEqualTo(first);
    }
    a.close().await();
  }

  @Test
  void weightZero_getsNoNewUsersButKeepsExistingOnes() {
    HttpServer[] bs = startBackends(3, false);
    JsonObject poolCfg = pool("insert", false, bs);
    RouterEngine a = router(vertx, directOptions(), config(poolCfg), null);
    List<CookieJar> old = jars(60);
    Map<Integer, Set<String>> seen = new ConcurrentHashMap<>();
    rounds(old, seen, 0, 2, new int[] {a.port()});
    long onB0 = seen.values().stream().filter(s -> s.contains("b0")).count();
    assertThat(onB0).isPositive();

    JsonArray backendsCfg = poolCfg.getJsonArray("backends");
    backendsCfg.getJsonObject(0).put("weight", 0); // drain b0
    a.apply(config(poolCfg));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> a.pools().pool("web").byId("b0").weight() == 0);

    rounds(old, seen, 2, 6, new int[] {a.port()});
    assertEachUserOnOneBackend(seen, 60); // the b0 users stayed on b0
    assertThat(seen.values().stream().filter(s -> s.contains("b0")).count()).isEqualTo(onB0);

    List<CookieJar> fresh = jars(100);
    Map<Integer, Set<String>> seenFresh = new ConcurrentHashMap<>();
    rounds(fresh, seenFresh, 0, 3, new int[] {a.port()});
    assertEachUserOnOneBackend(seenFresh, 100);
    assertThat(seenFresh.values()).noneMatch(s -> s.contains("b0"));
    a.close().await();
  }

  @Test
  void forgedCookie_isNotHonouredAndIsReissued() {
    HttpServer[] bs = startBackends(3, false);
    RouterEngine a = router(vertx, directOptions(), config(pool("insert", false, bs)), null);
    CookieJar legit = new CookieJar();
    get(a.port(), legit).await();
    String valid = legit.get("SSLFARM_STICKY");
    String[] parts = valid.split("\\.");
    Map<String, Integer> hits = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      // always claim b1, with a signature that is not the router's (flip the first char) or borrowed from another id
      String target = "b1";
      String forged = i % 2 == 0 ? target + "." + parts[1] + "." + (parts[2].charAt(0) == 'A' ? "B" : "A")
          + parts[2].substring(1) : target + "." + parts[1] + "." + parts[2];
      if (parts[0].equals(target) && i % 2 == 1) {
        forged = "b2." + parts[1] + "." + parts[2];
      }
      CookieJar jar = new CookieJar();
      jar.put("SSLFARM_STICKY", forged);
      String id = get(a.port(), jar).await();
      hits.merge(id, 1, Integer::sum);
      assertThat(jar.get("SSLFARM_STICKY")).as("cookie re-issued").isNotEqualTo(forged).startsWith(id + ".");
    }
    assertThat(hits.keySet()).as("forged cookies are re-balanced, not honoured").hasSizeGreaterThan(1);
    // counted when the exchange finishes, just after the response is flushed
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.metrics().registry()
        .find("sslfarm.router.sticky").tag("outcome", "forged").counter().count() == 30.0);
    a.close().await();
  }

  @Test
  void deadStickyBackend_isRestuckToALiveOne() {
    HttpServer[] bs = startBackends(3, false);
    RouterEngine a = router(vertx, directOptions(), config(pool("insert", false, bs)), null);
    List<CookieJar> users = jars(30);
    Map<Integer, Set<String>> seen = new ConcurrentHashMap<>();
    rounds(users, seen, 0, 2, new int[] {a.port()});
    assertEachUserOnOneBackend(seen, 30);

    bs[1].close().await(); // b1 dies
    Map<Integer, Set<String>> after = new ConcurrentHashMap<>();
    rounds(users, after, 0, 5, new int[] {a.port()});
    assertEachUserOnOneBackend(after, 30); // nobody saw an error, everyone landed on one live backend
    for (int u = 0; u < 30; u++) {
      String before = seen.get(u).iterator().next();
      String now = after.get(u).iterator().next();
      assertThat(now).isNotEqualTo("b1");
      if (!before.equals("b1")) {
        assertThat(now).isEqualTo(before);
      } else {
        assertThat(users.get(u).get("SSLFARM_STICKY")).startsWith(now + ".");
      }
    }
    a.close().await();
  }

  @Test
  void strictSticky_deadBackendAnswers503() {
    HttpServer[] bs = startBackends(2, false);
    RouterEngine a = router(vertx, directOptions(), config(pool("insert", true, bs)), null);
    List<CookieJar> users = jars(20);
    Map<Integer, Set<String>> seen = new ConcurrentHashMap<>();
    rounds(users, seen, 0, 1, new int[] {a.port()});
    bs[0].close().await();
    for (int u = 0; u < 20; u++) {
      String id = get(a.port(), users.get(u)).await();
      String before = seen.get(u).iterator().next();
      assertThat(id).isEqualTo(before.equals("b0") ? "status-503" : before);
    }
    a.close().await();
  }
}
