package io.sslfarm.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigSchema;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.config.NodeConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Secret files are owner-only from creation, never replaced, and checked for group/other access when read. */
class SecretFilesTest {

  private static final ConfigSchema SCHEMA = ConfigSchema.of(NodeOptions.KEYS);

  @TempDir
  Path dir;

  @Test
  void createIfAbsent_isOwnerOnly_andKeepsTheFirstContent() throws Exception {
    Path f = dir.resolve("sub/admin.token");
    assertThat(SecretFiles.createIfAbsent(f, "first\n")).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    assertThat(SecretFiles.createIfAbsent(f, "second\n")).isFalse();
    assertThat(Files.readString(f)).isEqualTo("first\n");
    assertThat(SecretFiles.loosePermissions(f)).isNull();
    try (var s = Files.list(f.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("admin.token"); // no temp left
    }
    SecretFiles.replace(f, "third\n");
    assertThat(Files.readString(f)).isEqualTo("third\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
  }

  @Test
  void concurrentCreators_exactlyOneWins_andAllSeeItsContent() throws Exception {
    Path f = dir.resolve("master.key");
    int n = 8;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
    try {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        String content = "writer-" + i + "\n";
        results.add(pool.submit(() -> {
          go.await();
          return SecretFiles.createIfAbsent(f, content);
        }));
      }
      go.countDown();
      int won = 0;
      for (java.util.concurrent.Future<Boolean> r : results) {
        won += r.get(10, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(won).isEqualTo(1);
      assertThat(Files.readString(f)).matches("writer-\\d\n");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void nodeGeneratesOwnerOnlyFiles_andASecondStartKeepsThem() throws Exception {
    Map<String, Object> o = base();
    FarmNode n = start(o);
    n.stop().toCompletableFuture().get(20, TimeUnit.SECONDS);
    Path key = dir.resolve("data/master.key");
    Path token = dir.resolve("data/admin.token");
    for (Path p : List.of(key, token)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString())
          .isEqualTo("rw-------");
    }
    String k = Files.readString(key);
    String t = Files.readString(token);
    assertThat(n.adminToken()).isEqualTo(t.trim());
    FarmNode again = start(o);
    again.stop().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(Files.readString(key)).isEqualTo(k);
    assertThat(Files.readString(token)).isEqualTo(t);
    assertThat(again.metrics().registry().counter("sslfarm.secrets.insecure.permissions").count()).isZero();
  }

  @Test
  void worldReadableMasterKey_warnMode_logsAndCounts() throws Exception {
    Path key = worldReadableKey();
    Map<String, Object> o = base();
    o.put("cluster.master-key-file", key.toString());
    Logger log = (Logger) LoggerFactory.getLogger(FarmNode.class);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    log.addAppender(events);
    FarmNode n;
    try {
      n = start(o);
      n.stop().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } finally {
      log.detachAppender(events);
    }
    assertThat(events.list).anySatisfy(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.WARN);
      assertThat(e.getFormattedMessage()).contains(key.toString()).contains("rw-r--r--")
          .contains("cluster.master-key-file");
    });
    assertThat(n.metrics().registry().counter("sslfarm.secrets.insecure.permissions").count()).isEqualTo(1.0);
  }

  @Test
  void worldReadableMasterKey_refuseMode_doesNotStart() throws Exception {
    Path key = worldReadableKey();
    Map<String, Object> o = base();
    o.put("cluster.master-key-file", key.toString());
    o.put("node.secrets-permissions", "refuse");
    FarmNode n = new FarmNode(config(o), NodeRole.BACKEND, new EchoTier());
    assertThatThrownBy(() -> n.start().toCompletableFuture().join())
        .isInstanceOf(CompletionException.class).cause().isInstanceOf(ConfigException.class)
        .hasMessageContaining("node.secrets-permissions").hasMessageContaining(key.toString())
        .hasMessageContaining("rw-r--r--");
    assertThat(((ConfigException) catchCause(n)).key()).isEqualTo("node.secrets-permissions");
  }

  @Test
  void unknownPermissionsMode_isAConfigError() {
    Map<String, Object> o = base();
    o.put("node.secrets-permissions", "ignore");
    assertThatThrownBy(() -> config(o)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("node.secrets-permissions");
  }

  private Throwable catchCause(FarmNode n) {
    try {
      n.start().toCompletableFuture().join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  private Path worldReadableKey() throws Exception {
    Path key = dir.resolve("master.key");
    MasterKey.generate().writeTo(key);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    return key;
  }

  private Map<String, Object> base() {
    Map<String, Object> o = new HashMap<>();
    o.put("node.id", "backend-secrets");
    o.put("node.role", "backend");
    o.put("node.data-dir", dir.resolve("data").toString());
    o.put("node.drain-timeout", "0s");
    o.put("cluster.mode", "none");
    o.put("admin.port", 0);
    return o;
  }

  private static NodeConfig config(Map<String, Object> o) {
    return new NodeConfigLoader(SCHEMA).load(null, Map.of(), o);
  }

  private static FarmNode start(Map<String, Object> o) {
    return new FarmNode(config(o), NodeRole.BACKEND, new EchoTier()).start().toCompletableFuture().join();
  }
}
