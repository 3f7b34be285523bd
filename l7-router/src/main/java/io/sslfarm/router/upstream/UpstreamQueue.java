package io.sslfarm.router.upstream;

import io.sslfarm.router.RouterOptions;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.internal.ContextInternal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Admission to one backend: at most {@code maxConnections} exchanges at once, then a bounded FIFO queue with its own
 * timeout (HAProxy's {@code maxconn}, {@code maxqueue} and {@code timeout queue}; Envoy's {@code max_connections} /
 * {@code max_pending_requests} circuit breaker). A full queue or a wait past the timeout is saturation, not failure:
 * it answers 503 and never ejects the backend (Envoy's overflow never feeds outlier detection).
 *
 * <pre>
 *  enter ─▶ slot free and nobody waiting? ─yes─▶ granted ─▶ exchange ─▶ release ─▶ hand the slot to the oldest waiter
 *                   │ no                                                        (or free it)
 *                   ▼
 *           queue full? ─yes─▶ failed: {@link Kind#FULL}
 *                   │ no
 *                   ▼
 *           wait ─▶ a slot is handed over ─▶ granted
 *                └▶ timeout ─▶ failed: {@link Kind#TIMEOUT}      release while waiting = leave the queue
 * </pre>
 *
 * <p>Why not Vert.x's own pool wait: its timeout ({@code RequestOptions.connectTimeout}) runs while a waiter queues
 * and while its connection is being opened, and fails both with the same {@code NoStackTraceTimeoutException}
 * (vertx-core 5.2.3, {@code SharedHttpClientConnectionGroup.Request}), so a slow TCP handshake and a busy backend
 * cannot be told apart. Here the queue decides before Vert.x is asked; the Vert.x pool is sized to the same
 * {@code maxConnections}, so a granted exchange finds a free or openable connection.
 *
 * <p>Threading: one queue per backend, shared by all event loops; state changes under the queue's lock, callbacks run
 * on the context that entered, never under the lock.
 */
public final class UpstreamQueue {

  /** Why a request was not admitted. */
  public enum Kind { FULL, TIMEOUT }

  /** A request the queue did not admit: saturation of the backend, not a failure of it. */
  public static final class SaturatedException extends RuntimeException {
    private final Kind kind;

    SaturatedException(Kind kind, String message) {
      super(message, null, false, false);
      this.kind = kind;
    }

    public Kind kind() {
      return kind;
    }
  }

  /**
   * The sizes every backend's queue gets (from {@code router.upstream-max-connections}, {@code
   * router.upstream-queue-size}, {@code router.upstream-queue-timeout}).
   */
  public record Limits(int maxConnections, int maxWaiting, Duration timeout) {
    public static final Limits DEFAULT = new Limits(RouterOptions.DEFAULT_UPSTREAM_MAX_CONNECTIONS,
        RouterOptions.DEFAULT_UPSTREAM_QUEUE_SIZE, RouterOptions.DEFAULT_UPSTREAM_QUEUE_TIMEOUT);

    public static Limits of(RouterOptions o) {
      return new Limits(o.upstreamMaxConnections(), o.upstreamQueueSize(), o.upstreamQueueTimeout());
    }
  }

  private final int maxConnections;
  private final int maxWaiting;
  private final long timeoutMillis;
  private final String name;
  private final ArrayDeque<Ticket> waiters = new ArrayDeque<>();
  private int active;

  public UpstreamQueue(String name, Limits limits) {
    this(name, limits.maxConnections(), limits.maxWaiting(), limits.timeout());
  }

  /**
   * @param maxConnections exchanges at once, at least 1
   * @param maxWaiting     requests that may wait for a slot; 0 = none (busy = 503 at once)
   * @param timeout        longest wait for a slot; 0 = no limit
   */
  public UpstreamQueue(String name, int maxConnections, int maxWaiting, Duration timeout) {
    if (maxConnections < 1 || maxWaiting < 0 || timeout.isNegative()) {
      throw new IllegalArgumentException("maxConnections >= 1, maxWaiting >= 0, timeout >= 0");
    }
    this.name = name;
    this.maxConnections = maxConnections;
    this.maxWaiting = maxWaiting;
    this.timeoutMillis = timeout.toMillis();
  }

  /**
   * The HTTP/1.x path's way in: told on the ticket's event loop when a slot is granted or refused (no future, no
   * context: one call per request).
   */
  public interface Admission {
    void admitted(Ticket t);

    void refused(Ticket t, SaturatedException cause);
  }

  /** One request's place: waiting, then granted, then released (exactly once, whatever the path). */
  public final class Ticket {
    private final EventExecutor loop;
    private final Promise<Ticket> granted;   // enter(Context): a Vert.x future
    private final Admission admission;       // enter(EventExecutor, Admission): a callback
    private ScheduledFuture<?> timer;
    private int state; // 0 waiting, 1 granted, 2 done (released, timed out, refused)

    private Ticket(EventExecutor loop, Promise<Ticket> granted, Admission admission) {
      this.loop = loop;
      this.granted = granted;
      this.admission = admission;
    }

    /**
     * Completes on the entering context when a slot is granted; fails with {@link SaturatedException}. Only for
     * tickets from {@link #enter(Context)}.
     */
    public Future<Ticket> granted() {
      return granted.future();
    }

    /**
     * Gives the slot back (to the oldest waiter if any), or leaves the queue if still waiting (then nothing is told
     * any more). Idempotent; any thread.
     */
    public void release() {
      UpstreamQueue.this.release(this);
    }

    private void grant() {
      if (admission != null) {
        admission.admitted(this);
      } else {
        granted.complete(this);
      }
    }

    private void refuse(SaturatedException e) {
      if (admission != null) {
        admission.refused(this, e);
      } else {
        granted.fail(e);
      }
    }
  }

  /**
   * Asks for a slot. Call on {@code context}'s thread; the ticket's future completes there.
   */
  public Ticket enter(Context context) {
    ContextInternal c = (ContextInternal) context;
    return enter(new Ticket(c.nettyEventLoop(), c.promise(), null));
  }

  /** Asks for a slot. Call on {@code loop}; {@code admission} is told there (perhaps before this returns). */
  public Ticket enter(EventExecutor loop, Admission admission) {
    return enter(new Ticket(loop, null, admission));
  }

  private Ticket enter(Ticket t) {
    boolean granted;
    boolean full = false;
    synchronized (this) {
      granted = active < maxConnections && waiters.isEmpty();
      if (granted) {
        active++;
        t.state = 1;
      } else if (waiters.size() >= maxWaiting) {
        full = true;
        t.state = 2;
      } else {
        waiters.addLast(t);
      }
    }
    if (granted) {
      t.grant();
    } else if (full) {
      t.refuse(new SaturatedException(Kind.FULL, name + ": " + maxConnections + " connections busy and "
          + maxWaiting + " requests waiting"));
    } else if (timeoutMillis > 0) {
      t.timer = t.loop.schedule(() -> timedOut(t), timeoutMillis, TimeUnit.MILLISECONDS);
    }
    return t;
  }

  private void timedOut(Ticket t) {
    synchronized (this) {
      if (t.state != 0) {
        return;
      }
      waiters.remove(t);
      t.state = 2;
    }
    t.refuse(new SaturatedException(Kind.TIMEOUT, name + ": no connection free within " + timeoutMillis + " ms"));
  }

  private void release(Ticket t) {
    Ticket next = null;
    synchronized (this) {
      if (t.state == 2) {
        return;
      }
      if (t.state == 0) {
        waiters.remove(t);
        t.state = 2;
        cancelTimer(t);
        return;
      }
      t.state = 2;
      next = waiters.pollFirst();
      if (next == null) {
        active--;
      } else {
        next.state = 1; // the slot moves to the next waiter; active stays
      }
    }
    if (next != null) {
      Ticket n = next;
      cancelTimer(n);
      n.loop.execute(n::grant);
    }
  }

  private static void cancelTimer(Ticket t) {
    ScheduledFuture<?> f = t.timer;
    if (f != null) {
      f.cancel(false);
    }
  }

  /** Exchanges holding a slot now. */
  public synchronized int active() {
    return active;
  }

  /** Requests waiting for a slot now. */
  public synchronized int waiting() {
    return waiters.size();
  }

  /**
   * What {@code t}, a failure of {@link #enter} or of {@code HttpClient.request}, says about the backend: saturated
   * (this queue, or the Vert.x pool's wait behind it) or null, not reached. The Vert.x pool is saturated if its wait queue was full ({@link ConnectionPoolTooBusyException}) or its own wait
   * timed out (Vert.x's {@code NoStackTraceTimeoutException}, a {@link TimeoutException}; Netty's TCP
   * {@code ConnectTimeoutException} is a {@link java.net.ConnectException} instead). With this queue in front and the
   * Vert.x wait given the TCP connect timeout plus the queue timeout, that happens only if a connection went back to
   * the Vert.x pool well after its slot here (a client that left mid-response); a backend is never ejected for it.
   */
  public static Kind saturation(Throwable t) {
    if (t instanceof SaturatedException s) {
      return s.kind();
    }
    if (t instanceof ConnectionPoolTooBusyException) {
      return Kind.FULL;
    }
    return t instanceof TimeoutException ? Kind.TIMEOUT : null;
  }

  @Override
  public synchronized String toString() {
    return name + "[active=" + active + "/" + maxConnections + ", waiting=" + waiters.size() + "/" + maxWaiting + "]";
  }
}
