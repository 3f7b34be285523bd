package io.sslfarm.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load from the test JVM: {@code threads} loops, each doing one HTTPS request per new connection through an edge,
 * with a pause between requests; bounded by a request count and a duration. The edges to use come from a supplier
 * (a front balancer's view: only edges whose /health/ready answers 200). With sessions, each request carries one
 * session's sticky cookie and checks it reached that session's backend.
 */
final class LoadRun implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LoadRun.class);

  /** One sticky session: the cookie the farm issued and the backend it pinned. */
  record Session(String cookie, String backend) {
  }

  /** One request: when its connection started (ms since the run's start), and how it ended. */
  record Outcome(long startMs, long endMs, boolean ok, String error, int session, String backend) {
  }

  private final HttpsClient client;
  private final Supplier<List<Integer>> edgePorts;
  private final List<Session> sessions;
  private final long pauseMs;
  private final int maxRequests;
  private final long maxMillis;
  private final long t0 = System.nanoTime();
  private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicInteger retriedBeforeResponse = new AtomicInteger();

  private final List<Thread> threads = new ArrayList<>();

  /** GETs retried once because their connection closed before any response byte (see {@link #loop}). */
  int retriedBeforeResponse() {
    return retriedBeforeResponse.get();
  }

  LoadRun(HttpsClient client, Supplier<List<Integer>> edgePorts, List<Session> sessions, int threads, long pauseMs,
          int maxRequests, long maxMillis) {
    this.client = client;
    this.edgePorts = edgePorts;
    this.sessions = sessions;
    this.pauseMs = pauseMs;
    this.maxRequests = maxRequests;
    this.maxMillis = maxMillis;
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(this::loop, "load-" + i);
      t.setDaemon(true);
      this.threads.add(t);
    }
    this.threads.forEach(Thread::start);
  }

  /**
   * Waits until at least {@code n} requests that started at or after {@code sinceMs} (see {@link #now}) have an
   * outcome: a phase of the load measured by its size, not by a clock that a busy machine stretches.
   */
  void awaitCompleted(long sinceMs, int n, java.time.Duration atMost) {
    org.awaitility.Awaitility.await(n + " requests from " + sinceMs + " ms").atMost(atMost)
        .pollInterval(java.time.Duration.ofMillis(50)).until(() -> completedSince(sinceMs) >= n);
  }

  private long completedSince(long sinceMs) {
    synchronized (outcomes) {
      return outcomes.stream().filter(o -> o.startMs() >= sinceMs).count();
    }
  }

  /** Milliseconds since this run started (the time base of every {@link Outcome}). */
  long now() {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private void loop() {
    while (!stop.get() && now() < maxMillis && issued.incrementAndGet() <= maxRequests) {
      List<Integer> ports = edgePorts.get();
      long start = now();
      if (ports.isEmpty()) {
        outcomes.add(new Outcome(start, start, false, "no ready edge", -1, null));
        DockerFarm.sleep(pauseMs);
        continue;
      }
      int port = ports.get(ThreadLocalRandom.current().nextInt(ports.size()));
      int s = sessions.isEmpty() ? -1 : ThreadLocalRandom.current().nextInt(sessions.size());
      try {
        HttpsClient.Response r;
        try {
          r = client.get(port, "/", s < 0 ? null : sessions.get(s).cookie(), 5000);
        } catch (java.io.IOException e) {
          if (e.getMessage() == null || !e.getMessage().startsWith("incomplete response (0 bytes)")) {
            throw e;
          }
          // The connection closed before a single response byte. A browser or HTTP client retries an idempotent
          // request then (RFC 9110 §9.2.2); so does this one, once, and the count is reported (retriedBeforeResponse).
          retriedBeforeResponse.incrementAndGet();
          log.info("load: {} ms: connection closed before any response byte, GET retried once", start);
          r = client.get(port, "/", s < 0 ? null : sessions.get(s).cookie(), 5000);
        }
        boolean ok = r.status() == 200;
        outcomes.add(new Outcome(start, now(), ok, ok ? null : "status " + r.status(), s, r.backend()));
      } catch (Exception e) {
        outcomes.add(new Outcome(start, now(), false, e.getClass().getSimpleName() + ": " + e.getMessage(), s, null));
      }
      DockerFarm.sleep(pauseMs);
    }
  }

  /** Stops the load and returns every outcome, in start order. */
  List<Outcome> finish() {
    stop.set(true);
    for (Thread t : threads) {
      try {
        t.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<Outcome> copy;
    synchronized (outcomes) {
      copy = new ArrayList<>(outcomes);
    }
    copy.sort((a, b) -> Long.compare(a.startMs(), b.startMs()));
    long failed = copy.stream().filter(o -> !o.ok()).count();
    log.info("load: {} requests, {} failed{}", copy.size(), failed, failed == 0 ? "" : "; first failures: "
        + copy.stream().filter(o -> !o.ok()).limit(5).map(o -> o.startMs() + "ms " + o.error()).toList());
    if (failed > 0) {
      // Where and why: failures per second of the run, and per error.
      java.util.Map<Long, Long> perSecond = new java.util.TreeMap<>();
      java.util.Map<String, Long> perError = new java.util.TreeMap<>();
      for (Outcome o : copy) {
        if (!o.ok()) {
          perSecond.merge(o.startMs() / 1000, 1L, Long::sum);
          perError.merge(String.valueOf(o.error()), 1L, Long::sum);
        }
      }
      log.info("load: failures per second of the run {}; per error {}", perSecond, perError);
    }
    return copy;
  }

  @Override
  public void close() {
    stop.set(true);
  }
}
