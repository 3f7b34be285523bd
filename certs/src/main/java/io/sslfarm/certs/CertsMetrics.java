package io.sslfarm.certs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.cluster.CertificateTable;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every meter of the certs module.
 *
 * <ul>
 *   <li>{@code sslfarm.certs.expiry.days{cert}}: days until the certificate's notAfter (fractional, negative once
 *       expired), one gauge per stored certificate.</li>
 *   <li>{@code sslfarm.certs.open.failures{cert, reason}}: stored records this node could not open (reason
 *       {@code unsealable}: wrong master key or altered record; {@code malformed-pem}: bad chain).</li>
 *   <li>{@code sslfarm.certs.rejected{reason}}: adds refused by validation, reason as in
 *       {@link CertificateRejectedException.Reason#tag()}.</li>
 *   <li>{@code sslfarm.certs.served}: certificates in this node's current SNI index.</li>
 * </ul>
 *
 * Thread-safe.
 */
public final class CertsMetrics {

  public static final String EXPIRY_DAYS = "sslfarm.certs.expiry.days";
  public static final String OPEN_FAILURES = "sslfarm.certs.open.failures";
  public static final String REJECTED = "sslfarm.certs.rejected";
  public static final String SERVED = "sslfarm.certs.served";

  private static final double MILLIS_PER_DAY = 86_400_000.0;

  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, Expiry> expiries = new HashMap<>();
  private final AtomicLong served = new AtomicLong();

  private record Expiry(AtomicLong notAfter, Gauge gauge) {
  }

  public CertsMetrics(MeterRegistry registry) {
    this(registry, Clock.systemUTC());
  }

  public CertsMetrics(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    Gauge.builder(SERVED, served, AtomicLong::get).description("certificates in this node's SNI index")
        .register(registry);
  }

  /** Metrics into a private registry: for tests and tools that export nothing. */
  public static CertsMetrics noop() {
    return new CertsMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Sets (or creates) the expiry gauge of {@code id}. */
  public synchronized void expiry(String id, long notAfterMillis) {
    Expiry e = expiries.get(id);
    if (e != null) {
      e.notAfter.set(notAfterMillis);
      return;
    }
    AtomicLong holder = new AtomicLong(notAfterMillis);
    Gauge g = Gauge.builder(EXPIRY_DAYS, holder, h -> (h.get() - clock.millis()) / MILLIS_PER_DAY)
        .description("days until the certificate expires (negative once expired)").baseUnit("days")
        .tag("cert", id).register(registry);
    expiries.put(id, new Expiry(holder, g));
  }

  /** Removes the expiry gauge of a removed certificate. */
  public synchronized void expiryRemoved(String id) {
    Expiry e = expiries.remove(id);
    if (e != null) {
      registry.remove(e.gauge);
    }
  }

  /**
   * Keeps the expiry gauges equal to the table's contents (for nodes without a
   * {@link io.sslfarm.certs.sni.CertificateWatcher}). Returns the listener handle.
   */
  public AutoCloseable bindExpiry(CertificateTable table) {
    return table.addListener((id, rec) -> {
      if (rec == null) {
        expiryRemoved(id);
      } else {
        expiry(id, rec.notAfter());
      }
    });
  }

  public void openFailure(String id, CertificateRejectedException.Reason reason) {
    Counter.builder(OPEN_FAILURES).description("stored certificates this node could not open")
        .tag("cert", id).tag("reason", reason.tag()).register(registry).increment();
  }

  public void rejected(CertificateRejectedException.Reason reason) {
    Counter.builder(REJECTED).description("certificate adds refused by validation").tag("reason", reason.tag())
        .register(registry).increment();
  }

  public void served(int count) {
    served.set(count);
  }
}
