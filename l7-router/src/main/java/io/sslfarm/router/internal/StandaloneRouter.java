package io.sslfarm.router.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.router.RouterOptions;
import io.sslfarm.router.affinity.LocalSessionTable;
import io.sslfarm.router.affinity.StickyKeys;
import io.sslfarm.router.config.FarmConfigValidator;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A router without cluster or admin port, for benchmarks and quick trials: direct mode (no PROXY header), one static
 * pool, stickiness by argument.
 *
 * <pre>
 * java -cp … io.sslfarm.router.internal.StandaloneRouter PORT MODE BACKEND[,BACKEND…] [EVENT_LOOPS] [ACCESS_LOG]
 *   e.g. 19181 none 127.0.0.1:19100 1 false
 * </pre>
 */
public final class StandaloneRouter {

  private static final Logger LOG = LoggerFactory.getLogger(StandaloneRouter.class);

  private StandaloneRouter() {
  }

  public static void main(String[] args) {
    if (args.length < 3) {
      throw new IllegalArgumentException("usage: PORT insert|learn|none HOST:PORT[,HOST:PORT…] [EVENT_LOOPS] [ACCESS_LOG]");
    }
    int port = Integer.parseInt(args[0]);
    JsonArray backends = new JsonArray();
    String[] bs = args[2].split(",");
    for (int i = 0; i < bs.length; i++) {
      backends.add(new JsonObject().put("id", "b" + i).put("address", bs[i]));
    }
    int loops = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    boolean accessLog = args.length > 4 && Boolean.parseBoolean(args[4]);
    RouterOptions o = new RouterOptions().setHost("127.0.0.1").setPort(port).setProxyProtocol(false)
        .setEventLoops(loops).setAccessLog(accessLog).validate();
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops + 1));
    RouterEngine engine = new RouterEngine(vertx, o, new SimpleMeterRegistry(),
        StickyKeys.fromSecret("standalone-router-secret-" + ProcessHandle.current().pid()),
        (pool, ttl) -> new LocalSessionTable(pool, ttl));
    engine.apply(FarmConfigValidator.validate(new JsonObject().put("default-pool", "web"), new JsonObject()
        .put("web", new JsonObject().put("backends", backends).put("sticky", new JsonObject().put("mode", args[1])))));
    engine.start().onSuccess(p -> LOG.info("standalone router on 127.0.0.1:{} → {} (native transport: {})", p,
            args[2], vertx.isNativeTransportEnabled()))
        .onFailure(t -> {
          LOG.error("router failed to start: {}", t.toString());
          vertx.close();
        });
  }
}
