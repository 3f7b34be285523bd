package io.sslfarm.router;

import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.seal.SealException;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.node.Tier;
import io.sslfarm.node.TierContext;
import io.sslfarm.router.affinity.LocalSessionTable;
import io.sslfarm.router.affinity.StickyKeys;
import io.sslfarm.router.config.FarmConfigException;
import io.sslfarm.router.config.FarmConfigValidator;
import io.sslfarm.router.config.RouterFarmConfig;
import io.sslfarm.router.internal.RouterEngine;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The L7 router tier as run by a farm node: reads {@link RouterOptions} from the node config, follows the farm config
 * sections {@code routes} and {@code pools} (every change is validated and swapped in as one snapshot; an invalid
 * change is logged and the previous snapshot stays), and serves HTTP.
 *
 * <h2>The insert-mode HMAC key</h2>
 * Every router must sign and verify with the same key. If {@code router.sticky-secret} is set, the key is derived from
 * it. Otherwise (recommended) the key is a random 32-byte farm key kept in the farm config section
 * {@value #KEYS_SECTION} ({@code sticky}: base64 of the key sealed with AES-256-GCM under the master key, purpose
 * {@value #KEY_PURPOSE}): the first router that finds none creates it; every router opens it with
 * {@link TierContext#sealer()}. So no secret is written in a config file, it never travels or rests in the cluster in
 * clear, and rotating it is removing the section (the previous key keeps verifying until the next change). Two routers
 * starting at once may both create one; the cluster keeps the last write, and cookies signed with the other are
 * re-balanced once.
 */
public final class RouterTier implements Tier {

  private static final Logger LOG = LoggerFactory.getLogger(RouterTier.class);
  public static final String KEYS_SECTION = "router-keys";
  public static final String KEY_PURPOSE = "router:sticky-key";

  private RouterEngine engine;
  private AutoCloseable configSubscription;
  private volatile byte[] currentFarmKey;

  @Override
  public Future<HostPort> start(TierContext context) {
    RouterOptions options;
    try {
      options = RouterOptions.fromConfig(context.config());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    FarmCluster cluster = context.cluster();
    StickyKeys keys;
    if (!options.stickySecret().isEmpty()) {
      keys = StickyKeys.fromSecret(options.stickySecret());
    } else {
      byte[] provisional = new byte[32];
      new SecureRandom().nextBytes(provisional); // until the farm key is read (the feed calls back at once)
      keys = StickyKeys.of(List.of(provisional));
    }
    engine = new RouterEngine(context.vertx(), options, context.meterRegistry(), keys,
        (pool, ttl) -> cluster == null ? new LocalSessionTable("router-sticky-" + pool, ttl)
            : cluster.sessionTable("router-sticky-" + pool, ttl));
    if (cluster != null) {
      configSubscription = cluster.config().addListener(cfg -> onFarmConfig(cluster, context.sealer(), options, cfg));
    } else {
      LOG.warn("router without cluster: no routes or pools until a farm config is applied");
    }
    context.admin().readiness("router-config", () -> !engine.config().pools().isEmpty());
    return engine.start().map(port -> new HostPort(options.host(), port));
  }

  // synchronized: the feed calls back from its notifier and from cluster events; two first calls racing would each
  // create a sticky key, and cookies signed with the losing one would stop verifying.
  private synchronized void onFarmConfig(FarmCluster cluster, SecretSealer sealer, RouterOptions options,
      FarmConfig cfg) {
    if (options.stickySecret().isEmpty()) {
      farmKey(cluster, sealer, cfg.section(KEYS_SECTION));
    }
    try {
      RouterFarmConfig rc = FarmConfigValidator.validate(cfg);
      engine.apply(rc);
      LOG.info("farm config applied: {} rules, {} pools", rc.rules().size(), rc.pools().size());
    } catch (FarmConfigException e) {
      LOG.error("farm config rejected, keeping the previous one: {}", e.getMessage());
    }
  }

  private void farmKey(FarmCluster cluster, SecretSealer sealer, JsonObject section) {
    String sealed = section.getString("sticky");
    if (sealed == null) {
      if (currentFarmKey == null) {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        currentFarmKey = k;
        engine.keys().set(List.of(k));
        JsonObject s = new JsonObject().put("sticky",
            Base64.getEncoder().encodeToString(sealer.seal(k, KEY_PURPOSE)));
        cluster.config().apply(new FarmConfig(Map.of(KEYS_SECTION, s))).whenComplete((v, err) -> {
          if (err != null) {
            LOG.error("could not store the sticky farm key: {}", err.toString());
          } else {
            LOG.info("created the insert-mode sticky farm key (sealed, key id {})", sealer.keyId());
          }
        });
      }
      return;
    }
    try {
      byte[] k = sealer.open(Base64.getDecoder().decode(sealed), KEY_PURPOSE);
      List<byte[]> l = new ArrayList<>();
      l.add(k);
      if (currentFarmKey != null && !java.util.Arrays.equals(currentFarmKey, k)) {
        l.add(currentFarmKey); // still verify cookies signed with the key we used until now
      }
      currentFarmKey = k;
      engine.keys().set(l);
    } catch (SealException | IllegalArgumentException e) {
      LOG.error("cannot open the sticky farm key in section {}: {}", KEYS_SECTION, e.getMessage());
    }
  }

  @Override
  public Future<Void> stopAccepting() {
    return engine == null ? Future.succeededFuture() : engine.stopAccepting();
  }

  @Override
  public long activeConnections() {
    return engine == null ? 0 : engine.activeConnections();
  }

  @Override
  public Future<Void> close() {
    if (configSubscription != null) {
      try {
        configSubscription.close();
      } catch (Exception e) {
        LOG.warn("closing the config subscription: {}", e.toString());
      }
    }
    return engine == null ? Future.succeededFuture() : engine.close();
  }

  /** The running engine (for the admin API and tests), or null before start. */
  public RouterEngine engine() {
    return engine;
  }
}
