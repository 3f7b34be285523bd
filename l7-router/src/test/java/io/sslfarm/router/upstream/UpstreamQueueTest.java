package io.sslfarm.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Slots, the bounded FIFO, its timeout, leaving the queue, and which client failures count as saturation. */
@Timeout(30)
class UpstreamQueueTest {

  private Vertx vertx;
  private Context ctx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    ctx = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /** Runs on the queue's context, as the proxy handler does. */
  private <T> T on(Supplier<T> s) {
    CompletableFuture<T> f = new CompletableFuture<>();
    ctx.runOnContext(v -> f.complete(s.get()));
    return f.join();
  }

  @Test
  void slotsFirst_thenFifoWaiters_thenFull() {
    UpstreamQueue q = new UpstreamQueue("web/b0", 2, 2, Duration.ZERO);
    UpstreamQueue.Ticket a = on(() -> q.enter(ctx));
    UpstreamQueue.Ticket b = on(() -> q.enter(ctx));
    UpstreamQueue.Ticket c = on(() -> q.enter(ctx));
    UpstreamQueue.Ticket d = on(() -> q.enter(ctx));
    UpstreamQueue.Ticket e = on(() -> q.enter(ctx));
    assertThat(a.granted().succeeded()).isTrue();
    assertThat(b.granted().succeeded()).isTrue();
    assertThat(c.granted().isComplete()).isFalse();
    assertThat(d.granted().isComplete()).isFalse();
    assertThat(e.granted().failed()).isTrue();
    assertThat(UpstreamQueue.saturation(e.granted().cause())).isEqualTo(UpstreamQueue.Kind.FULL);
    assertThat(q.active()).isEqualTo(2);
    assertThat(q.waiting()).isEqualTo(2);

    a.release();
    await().atMost(Duration.ofSeconds(5)).until(() -> c.granted().succeeded());
    assertThat(d.granted().isComplete()).as("first in, first out").isFalse();
    a.release(); // idempotent: no second hand-over
    assertThat(d.granted().isComplete()).isFalse();
    assertThat(q.active()).isEqualTo(2);
    b.release();
    await().atMost(Duration.ofSeconds(5)).until(() -> d.granted().succeeded());
    c.release();
    d.release();
    assertThat(q.active()).isZero();
    assertThat(q.waiting()).isZero();
  }

  @Test
  void waitPastTimeout_failsWithTimeout_andLeavesTheQueue() {
    UpstreamQueue q = new UpstreamQueue("web/b0", 1, 4, Duration.ofMillis(100));
    UpstreamQueue.Ticket a = on(() -> q.enter(ctx));
    UpstreamQueue.Ticket b = on(() -> q.enter(ctx));
    await().atMost(Duration.ofSeconds(5)).until(() -> b.granted().failed());
    assertThat(UpstreamQueue.saturation(b.granted().cause())).isEqualTo(UpstreamQueue.Kind.TIMEOUT);
    assertThat(q.waiting()).isZero();
    b.release(); // a timed-out ticket holds nothing
    assertThat(q.active()).isEqualTo(1);
    a.release();
    assertThat(q.active()).isZero();
  }

  @Test
  void noQueue_busyIsFullAtOnce() {
    UpstreamQueue q = new UpstreamQueue("web/b0", 1, 0, Duration.ofSeconds(1));
    UpstreamQueue.Ticket a = on(() -> q.enter(ctx));
    UpstreamQueue.Ticket b = on(() -> q.enter(ctx));
    assertThat(a.granted().succeeded()).isTrue();
    assertThat(UpstreamQueue.saturation(b.granted().cause())).isEqualTo(UpstreamQueue.Kind.FULL);
  }

  @Test
  void leavingWhileWaiting_freesThePlace_andNeverTakesASlot() {
    UpstreamQueue q = new UpstreamQueue("web/b0", 1, 1, Duration.ZERO);
    UpstreamQueue.Ticket a = on(() -> q.enter(ctx));
    UpstreamQueue.Ticket gone = on(() -> q.enter(ctx));
    gone.release();
    assertThat(q.waiting()).isZero();
    UpstreamQueue.Ticket c = on(() -> q.enter(ctx));
    assertThat(c.granted().isComplete()).as("the place was free again").isFalse();
    a.release();
    await().atMost(Duration.ofSeconds(5)).until(() -> c.granted().succeeded());
    assertThat(gone.granted().isComplete()).isFalse();
    c.release();
    assertThat(q.active()).isZero();
  }

  @Test
  void saturation_onlyForBusyPools_neverForConnectErrors() {
    assertThat(UpstreamQueue.saturation(new ConnectionPoolTooBusyException("busy")))
        .isEqualTo(UpstreamQueue.Kind.FULL);
    // vertx-core 5.2.3: the pool wait ("...exceeded when getting a connection to...")
    assertThat(UpstreamQueue.saturation(new NoStackTraceTimeoutException("wait")))
        .isEqualTo(UpstreamQueue.Kind.TIMEOUT);
    // Netty's TCP connect timeout and a refusal: real connect errors, they eject
    assertThat(UpstreamQueue.saturation(new ConnectTimeoutException("connection timed out"))).isNull();
    assertThat(UpstreamQueue.saturation(new ConnectException("Connection refused"))).isNull();
  }
}
