package io.sslfarm.ssl.tls;

import io.sslfarm.cluster.Leadership;
import io.sslfarm.cluster.SealedTicketKeys;
import io.sslfarm.cluster.TicketKeyHolder;
import io.sslfarm.cluster.seal.SealException;
import io.sslfarm.cluster.seal.SecretSealer;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the farm's session-ticket keys: every node applies each new key set from the cluster (listener on a cluster
 * thread → {@code apply}); the leader creates the first set and rotates on schedule (see rotateIfDue for
 * a leader that runs no SSL tier). Writes are compare-and-set on
 * the generation, so two members that both think they lead cannot rotate twice: the loser sees {@code false} and the
 * winner's set arrives through the listener.
 *
 * <p>Key material is sealed with the farm master key (purpose {@value #PURPOSE}) and never logged.
 */
public final class TicketKeyManager implements AutoCloseable {

  public static final String PURPOSE = "ticket-keys";
  private static final Logger LOG = LoggerFactory.getLogger(TicketKeyManager.class);

  private final Vertx vertx;
  private final TicketKeyHolder holder;
  private final Leadership leadership;
  private final SecretSealer sealer;
  private final Duration rotation;
  private final Consumer<TicketKeySet> apply;
  private volatile long appliedGeneration = -1;
  private AutoCloseable listener;
  private long timerId = -1;
  private final long startedAtMillis = System.currentTimeMillis();

  public TicketKeyManager(Vertx vertx, TicketKeyHolder holder, Leadership leadership, SecretSealer sealer,
                          Duration rotation, Consumer<TicketKeySet> apply) {
    this.vertx = vertx;
    this.holder = holder;
    this.leadership = leadership;
    this.sealer = sealer;
    this.rotation = rotation;
    this.apply = apply;
  }

  /** Subscribes to key changes and starts the leader's schedule; a leader with no key set creates one now. */
  public void start() {
    listener = holder.addListener(this::onKeys);
    long check = Math.max(200, Math.min(rotation.toMillis() / 4, 10_000));
    timerId = vertx.setPeriodic(check, id -> rotateIfDue());
    rotateIfDue();
  }

  /** The generation applied on this node, -1 before the first. */
  public long appliedGeneration() {
    return appliedGeneration;
  }

  private void onKeys(SealedTicketKeys sealed) {
    if (sealed.generation() <= appliedGeneration) {
      return;
    }
    try {
      TicketKeySet keys = TicketKeySet.decode(sealer.open(sealed.sealedKeys(), PURPOSE));
      apply.accept(keys);
      appliedGeneration = sealed.generation();
      LOG.info("ticket keys generation {} applied (current key {})", sealed.generation(), keys.currentName());
    } catch (SealException | IllegalArgumentException e) {
      LOG.error("ticket keys generation {} cannot be opened: {}", sealed.generation(), e.getMessage());
    }
  }

  /**
   * The leader rotates when due. The leader is the oldest cluster member, which may be an edge or a router that runs
   * no SSL tier: so any SSL node also rotates once a rotation is overdue by a grace period (or no key set appeared
   * within it). The compare-and-set lets exactly one of them win.
   */
  private void rotateIfDue() {
    long now = System.currentTimeMillis();
    long grace = leadership.isLeader() ? 0 : Math.min(rotation.toMillis() / 2, 30_000);
    Optional<SealedTicketKeys> cur = holder.current();
    boolean due = cur.isEmpty() ? now - startedAtMillis >= grace : now >= cur.get().nextRotationMillis() + grace;
    if (due) {
      rotateNow().whenComplete((ok, err) -> {
        if (err != null) {
          LOG.warn("ticket key rotation failed: {}", err.toString());
        }
      });
    }
  }

  /**
   * Rotates now (or creates the first set): CAS from the stored generation. Completes with false if another writer
   * won. Any node may call it (admin, tests); the schedule calls it on the leader only.
   */
  public CompletionStage<Boolean> rotateNow() {
    Optional<SealedTicketKeys> cur = holder.current();
    TicketKeySet next;
    long generation;
    if (cur.isEmpty()) {
      next = TicketKeySet.generate();
      generation = 0;
    } else {
      try {
        next = TicketKeySet.decode(sealer.open(cur.get().sealedKeys(), PURPOSE)).rotate();
      } catch (SealException | IllegalArgumentException e) {
        // A set this node cannot open (another master key): replacing it would cut off the nodes that can.
        return CompletableFuture.failedFuture(new IllegalStateException("stored ticket keys do not open: "
            + e.getMessage()));
      }
      generation = cur.get().generation();
    }
    long now = System.currentTimeMillis();
    SealedTicketKeys sealed = new SealedTicketKeys(generation + 1, sealer.seal(next.encode(), PURPOSE), now,
        now + rotation.toMillis());
    return holder.compareAndSet(generation, sealed).thenApply(won -> {
      if (won) {
        LOG.info("ticket keys rotated to generation {}", generation + 1);
      }
      return won;
    });
  }

  @Override
  public void close() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    if (listener != null) {
      try {
        listener.close();
      } catch (Exception e) {
        LOG.debug("removing ticket key listener: {}", e.toString());
      }
    }
  }
}
