package io.sslfarm.ssl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sslfarm.net.Relay;
import io.sslfarm.net.RelayListener;
import io.sslfarm.ssl.tls.TlsEngineKind;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Every meter of the SSL tier.
 *
 * <pre>
 * sslfarm.ssl.handshakes{result=full|resumed|failed, reason, engine}   counter
 * sslfarm.ssl.handshake.duration{engine, result}                      timer (histogram), ClientHello → Finished
 * sslfarm.ssl.connections.active{engine}                              gauge
 * sslfarm.ssl.connections.rejected{reason}                            counter; reason = untrusted_source,
 *        malformed_header, header_too_long, header_timeout, closed_before_header, handshake_timeout, tls_error, max_connections, no_upstream, no_certificate,
 *        max_handshakes, max_handshake_rate (closed at the ClientHello, before any ServerHello)
 * sslfarm.ssl.bytes{direction=in|out, engine}                         counter; plaintext bytes from / to the client
 * sslfarm.ssl.upstream.connect.failures{router}                       counter
 * sslfarm.ssl.connections.unused{reason=client_closed|idle_timeout|drain|error}  counter; handshake done, then closed
 *        before the client sent a byte (ssl.upstream-connect: on-data — no router connection was opened)
 * </pre>
 */
public final class SslMetrics {

  public static final String HANDSHAKES = "sslfarm.ssl.handshakes";
  public static final String HANDSHAKE_DURATION = "sslfarm.ssl.handshake.duration";
  public static final String ACTIVE = "sslfarm.ssl.connections.active";
  public static final String REJECTED = "sslfarm.ssl.connections.rejected";
  public static final String BYTES = "sslfarm.ssl.bytes";
  public static final String CONNECT_FAILURES = "sslfarm.ssl.upstream.connect.failures";
  public static final String UNUSED = "sslfarm.ssl.connections.unused";

  /** Why a connection was closed before relaying (the {@code reason} tag of {@link #REJECTED}). */
  public enum Reject {
    UNTRUSTED_SOURCE, MALFORMED_HEADER, HEADER_TOO_LONG, HEADER_TIMEOUT, CLOSED_BEFORE_HEADER, HANDSHAKE_TIMEOUT, TLS_ERROR, MAX_CONNECTIONS, NO_UPSTREAM,
    NO_CERTIFICATE, MAX_HANDSHAKES, MAX_HANDSHAKE_RATE;

    public String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final MeterRegistry registry;
  private final String engine;
  private final Counter full;
  private final Counter resumed;
  private final Timer fullDuration;
  private final Timer resumedDuration;
  private final Counter bytesIn;
  private final Counter bytesOut;
  private final Map<Reject, Counter> rejected = new java.util.EnumMap<>(Reject.class);
  private final Map<String, Counter> failed = new ConcurrentHashMap<>();
  private final Map<String, Counter> connectFailures = new ConcurrentHashMap<>();
  private final Map<String, Counter> unused = new ConcurrentHashMap<>();
  /** Relayed plaintext: read from the client = in, read from the router = out. */
  private final RelayListener relayed = new RelayListener() {
    @Override
    public void onBytes(Relay.Direction direction, int bytes) {
      (direction == Relay.Direction.TO_UPSTREAM ? bytesIn : bytesOut).increment(bytes);
    }
  };

  public SslMetrics(MeterRegistry registry, TlsEngineKind engine, Supplier<Number> active) {
    this.registry = registry;
    this.engine = engine.id();
    full = Counter.builder(HANDSHAKES).tag("result", "full").tag("reason", "").tag("engine", this.engine)
        .register(registry);
    resumed = Counter.builder(HANDSHAKES).tag("result", "resumed").tag("reason", "").tag("engine", this.engine)
        .register(registry);
    fullDuration = timer("full");
    resumedDuration = timer("resumed");
    bytesIn = Counter.builder(BYTES).tag("direction", "in").tag("engine", this.engine).baseUnit("bytes")
        .register(registry);
    bytesOut = Counter.builder(BYTES).tag("direction", "out").tag("engine", this.engine).baseUnit("bytes")
        .register(registry);
    for (Reject r : Reject.values()) {
      rejected.put(r, Counter.builder(REJECTED).tag("reason", r.tag()).register(registry));
    }
    Gauge.builder(ACTIVE, active).tag("engine", this.engine).register(registry);
  }

  private Timer timer(String result) {
    return Timer.builder(HANDSHAKE_DURATION).tag("engine", engine).tag("result", result)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
  }

  public void handshakeDone(boolean wasResumed, long nanos) {
    (wasResumed ? resumed : full).increment();
    (wasResumed ? resumedDuration : fullDuration).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** A failed handshake; {@code reason} is a short lower-case word (timeout, not_tls, alert, no_certificate…). */
  public void handshakeFailed(String reason) {
    failed.computeIfAbsent(reason, r -> Counter.builder(HANDSHAKES).tag("result", "failed").tag("reason", r)
        .tag("engine", engine).register(registry)).increment();
  }

  public void rejected(Reject reason) {
    rejected.get(reason).increment();
  }

  /** Relayed plaintext bytes so far, {@code direction} "in" (from clients) or "out" (to clients). */
  public double bytes(String direction) {
    return ("in".equals(direction) ? bytesIn : bytesOut).count();
  }

  /** Counts the bytes of every relay it is given to ({@link #BYTES}); shared by all connections. */
  public RelayListener relayListener() {
    return relayed;
  }

  public void connectFailed(String routerId) {
    connectFailures.computeIfAbsent(routerId, r -> Counter.builder(CONNECT_FAILURES).tag("router", r)
        .register(registry)).increment();
  }

  /**
   * A connection that finished its handshake and closed before the client sent a byte; {@code reason} is
   * client_closed, idle_timeout, drain or error.
   */
  public void unused(String reason) {
    unused.computeIfAbsent(reason, r -> Counter.builder(UNUSED).tag("reason", r).tag("engine", engine)
        .register(registry)).increment();
  }

  /** {@link #unused} connections so far for {@code reason}. */
  public double unusedCount(String reason) {
    Counter c = unused.get(reason);
    return c == null ? 0 : c.count();
  }

  public double handshakes(String result) {
    return registry.find(HANDSHAKES).tag("result", result).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Failed router connects, all routers. */
  public double connectFailures() {
    return connectFailures.values().stream().mapToDouble(Counter::count).sum();
  }

  public double rejectedCount(Reject reason) {
    return rejected.get(reason).count();
  }
}
