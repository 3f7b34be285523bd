package io.sslfarm.farm;

import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.CertsOptions;
import io.sslfarm.certs.admin.CertsAdminApi;
import io.sslfarm.certs.gen.DevCaAdminIssuer;
import io.sslfarm.certs.store.CertificateService;
import io.sslfarm.admin.AdminCertificateIssuer;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.node.NodeOptions;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.config.ConfigKey;
import io.sslfarm.edge.EdgeOptions;
import io.sslfarm.edge.EdgeTier;
import io.sslfarm.farm.backend.DemoBackendTier;
import io.sslfarm.node.Tier;
import io.sslfarm.node.TierContext;
import io.sslfarm.router.RouterOptions;
import io.sslfarm.router.RouterTier;
import io.sslfarm.ssl.SslOptions;
import io.sslfarm.ssl.SslTier;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Which {@link Tier} runs for each role, and what every clustered node adds to its admin API. */
public final class Tiers {

  private Tiers() {
  }

  /** Every tier's config keys (plus the certs keys every clustered node reads). */
  public static List<ConfigKey<?>> tierKeys() {
    List<ConfigKey<?>> keys = new ArrayList<>();
    keys.addAll(EdgeOptions.KEYS);
    keys.addAll(SslOptions.KEYS);
    keys.addAll(RouterOptions.KEYS);
    keys.addAll(CertsOptions.KEYS);
    return keys;
  }

  /**
   * Issues the admin port's certificate from the node's dev CA ({@code certs.dev-ca-dir}, default
   * {@code <node.data-dir>/dev-ca}) when {@code admin.tls} needs one and no {@code admin.tls-cert-file} is set.
   */
  public static AdminCertificateIssuer adminIssuer(NodeConfig config) {
    return new DevCaAdminIssuer(devCaDir(config));
  }

  /** {@code certs.dev-ca-dir}, default {@code <node.data-dir>/dev-ca}. */
  public static Path devCaDir(NodeConfig config) {
    String caDir = config.get(CertsOptions.DEV_CA_DIR);
    return caDir.isBlank() ? Path.of(config.get(NodeOptions.DATA_DIR)).resolve("dev-ca") : Path.of(caDir);
  }

  public static Tier create(NodeRole role) {
    Tier tier = switch (role) {
      case EDGE -> new EdgeTier();
      case SSL -> new SslTier();
      case ROUTER -> new RouterTier();
      case BACKEND -> new DemoBackendTier();
    };
    return role == NodeRole.BACKEND ? tier : new WithCertsApi(tier);
  }

  /** Adds the certificate endpoints to the admin API of every clustered node, whatever its role. */
  static final class WithCertsApi implements Tier {
    private final Tier delegate;

    WithCertsApi(Tier delegate) {
      this.delegate = delegate;
    }

    Tier delegate() {
      return delegate;
    }

    @Override
    public Future<HostPort> start(TierContext ctx) {
      if (ctx.cluster() != null) {
        CertificateService service = new CertificateService(ctx.cluster().certificates(), ctx.cluster().nodes(),
            ctx.sealer(), ctx.config().get(CertsOptions.EXPIRY_WARNING_DAYS), new CertsMetrics(ctx.meterRegistry()));
        String caDir = ctx.config().get(CertsOptions.DEV_CA_DIR);
        // the dev CA issues any name: only on nodes that run for trying the farm (certs.dev-ca-enabled)
        Path devCa = !ctx.config().get(CertsOptions.DEV_CA_ENABLED) ? null
            : caDir.isBlank() ? ctx.dataDir().resolve("dev-ca") : Path.of(caDir);
        CertsAdminApi.register(ctx.admin(), service, ctx.vertx(), devCa, null);
      }
      return delegate.start(ctx);
    }

    @Override
    public Future<Void> stopAccepting() {
      return delegate.stopAccepting();
    }

    @Override
    public long activeConnections() {
      return delegate.activeConnections();
    }

    @Override
    public Future<Void> close() {
      return delegate.close();
    }
  }
}
