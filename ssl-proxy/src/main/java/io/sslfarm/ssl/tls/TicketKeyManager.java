package io.sslfarm.ssl.tls;

import io.sslfarm.cluster.Leadership;
import io.sslfarm.cluster.SealedTicketKeys;
import io.sslfarm.cluster.TicketKeyHolder;
import io.sslfarm.cluster.seal.SealException;
import io.sslfarm.cluster.seal.SecretSealer;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
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
 * <p>Key material is sealed with the farm master key and never logged. The seal's associated data is
 * {@link SealedTicketKeys#aad()}: purpose, generation, rotated-at and next-rotation, so none of them can be changed
 * in the cluster without the set failing to open.
 *
 * <p>What a reader accepts (anything else is refused, counted in {@code sslfarm.cluster.values.rejected} and logged
 * through {@link TicketKeyHolder#refused}; the set already in force stays in force):
 * <pre>
 *   opens with its own metadata (format 2; a format-1 set from an older sslfarm is refused, and replaced by the
 *       next rotation)
 *   generation  &gt; the highest generation this node accepted                        (no replay of an older set)
 *   generation  ≤ accepted + {@value #MAX_GENERATION_STEP} + 2 × (rotation periods elapsed on this node's clock
 *                 since it accepted that one)                                          (no absurd jump)
 *   rotated-at  ≤ now + {@value #MAX_CLOCK_SKEW_MILLIS} ms                            (not from the future)
 *   0 &lt; next-rotation − rotated-at ≤ 2 × rotation period                             (cannot freeze rotation)
 * </pre>
 * The step bound: the schedule rotates once per period; admin or test calls to {@link #rotateNow()} and replacements
 * of a refused set add a few more, so a legitimate writer stays far below {@value #MAX_GENERATION_STEP} plus two per
 * elapsed period, while a set claiming e.g. generation 2^62 is refused. The first set a node sees has no bound on its
 * generation (there is nothing to compare with), only on its times.
 *
 * <p>Rotation decisions use the accepted set's (authenticated) next-rotation, never the clear value in the cluster.
 */
public final class TicketKeyManager implements AutoCloseable {

  /** Largest generation step accepted at once, beyond two per elapsed rotation period. */
  static final long MAX_GENERATION_STEP = 64;
  /** How far ahead of this node's clock a set's rotated-at may be. */
  static final long MAX_CLOCK_SKEW_MILLIS = 300_000;
  /** Above this a stored generation is taken as nonsense, not continued (one rotation a minute for 8,000 years). */
  static final long MAX_SANE_GENERATION = 1L << 32;

  private static final Logger LOG = LoggerFactory.getLogger(TicketKeyManager.class);

  /** The set in force on this node, with its authenticated metadata. */
  private record Accepted(long generation, long rotatedAtMillis, long nextRotationMillis, TicketKeySet keys,
                          byte[] sealedKeys, long acceptedAtMillis) {
  }

  private final Vertx vertx;
  private final TicketKeyHolder holder;
  private final Leadership leadership;
  private final SecretSealer sealer;
  private final Duration rotation;
  private final Consumer<TicketKeySet> apply;
  private final Clock clock;
  private volatile Accepted accepted;
  /** The last value refused, so that the same value seen again (timer, redelivery) is not reported again. */
  private SealedTicketKeys lastRefused;
  private AutoCloseable listener;
  private long timerId = -1;
  private final long startedAtMillis;

  public TicketKeyManager(Vertx vertx, TicketKeyHolder holder, Leadership leadership, SecretSealer sealer,
                          Duration rotation, Consumer<TicketKeySet> apply) {
    this(vertx, holder, leadership, sealer, rotation, apply, Clock.systemUTC());
  }

  TicketKeyManager(Vertx vertx, TicketKeyHolder holder, Leadership leadership, SecretSealer sealer,
                   Duration rotation, Consumer<TicketKeySet> apply, Clock clock) {
    this.vertx = vertx;
    this.holder = holder;
    this.leadership = leadership;
    this.sealer = sealer;
    this.rotation = rotation;
    this.apply = apply;
    this.clock = clock;
    this.startedAtMillis = clock.millis();
  }

  /** Subscribes to key changes and starts the leader's schedule; a leader with no key set creates one now. */
  public void start() {
    listener = holder.addListener(this::onKeys);
    if (vertx != null) {
      long check = Math.max(200, Math.min(rotation.toMillis() / 4, 10_000));
      timerId = vertx.setPeriodic(check, id -> rotateIfDue());
    }
    rotateIfDue();
  }

  /** The generation applied on this node, -1 before the first. */
  public long appliedGeneration() {
    Accepted a = accepted;
    return a == null ? -1 : a.generation();
  }

  /**
   * Applies a set from the cluster if it passes the rules in the class comment; refuses (and reports) it otherwise.
   * Synchronized: the cluster thread and the rotation timer may both call it.
   */
  synchronized void onKeys(SealedTicketKeys sealed) {
    Accepted a = accepted;
    if (a != null && sealed.generation() == a.generation() && Arrays.equals(sealed.sealedKeys(), a.sealedKeys())) {
      return; // the set in force, delivered again
    }
    if (lastRefused != null && sealed.generation() == lastRefused.generation()
        && sealed.rotatedAtMillis() == lastRefused.rotatedAtMillis()
        && sealed.nextRotationMillis() == lastRefused.nextRotationMillis()
        && Arrays.equals(sealed.sealedKeys(), lastRefused.sealedKeys())) {
      return; // refused already
    }
    long now = clock.millis();
    TicketKeySet keys;
    try {
      keys = TicketKeySet.decode(sealer.open(sealed.sealedKeys(), sealed.aad()));
    } catch (SealException | IllegalArgumentException e) {
      refuse(sealed, "ticket keys do not open with their generation and rotation times: " + e.getMessage());
      return;
    }
    String refusal = check(sealed, a, now);
    if (refusal != null) {
      refuse(sealed, refusal);
      return;
    }
    apply.accept(keys);
    accepted = new Accepted(sealed.generation(), sealed.rotatedAtMillis(), sealed.nextRotationMillis(), keys,
        sealed.sealedKeys().clone(), now);
    LOG.info("ticket keys generation {} applied (current key {})", sealed.generation(), keys.currentName());
  }

  private void refuse(SealedTicketKeys sealed, String why) {
    lastRefused = sealed;
    holder.refused(sealed, why);
  }

  /** Null if the (authenticated) metadata passes the rules of the class comment, else why not. */
  private String check(SealedTicketKeys s, Accepted a, long now) {
    if (s.generation() < 1) {
      return "generation " + s.generation() + " is not positive";
    }
    if (a != null && s.generation() <= a.generation()) {
      return "generation " + s.generation() + " is not newer than generation " + a.generation()
          + " in force on this node (replay of an older key set?)";
    }
    if (a != null) {
      long periods = Math.max(0, now - a.acceptedAtMillis()) / Math.max(1, rotation.toMillis());
      long allowed = MAX_GENERATION_STEP + 2 * Math.min(periods, MAX_SANE_GENERATION);
      if (s.generation() - a.generation() > allowed) {
        return "generation " + s.generation() + " is more than " + allowed + " ahead of generation "
            + a.generation() + " in force on this node";
      }
    }
    if (s.rotatedAtMillis() > now + MAX_CLOCK_SKEW_MILLIS) {
      return "rotated at " + Instant.ofEpochMilli(s.rotatedAtMillis()) + ", in the future of this node's clock";
    }
    long period = s.nextRotationMillis() - s.rotatedAtMillis();
    if (period <= 0 || period > 2 * rotation.toMillis()) {
      return "next rotation " + Instant.ofEpochMilli(s.nextRotationMillis()) + " is not within twice the rotation "
          + "period (" + rotation + ") of its rotation time";
    }
    return null;
  }

  /**
   * The leader rotates when due. The leader is the oldest cluster member, which may be an edge or a router that runs
   * no SSL tier: so any SSL node also rotates once a rotation is overdue by a grace period (or no key set appeared
   * within it). The compare-and-set lets exactly one of them win. "Due" is read from the set in force here: a stored
   * set this node refused does not postpone rotation, it is replaced.
   */
  void rotateIfDue() {
    long now = clock.millis();
    long grace = leadership.isLeader() ? 0 : Math.min(rotation.toMillis() / 2, 30_000);
    Optional<SealedTicketKeys> cur = holder.current();
    if (accepted == null && cur.isPresent()) {
      onKeys(cur.get()); // not delivered by the listener yet
    }
    Accepted a = accepted;
    boolean due = a == null ? now - startedAtMillis >= grace : now >= a.nextRotationMillis() + grace;
    if (due) {
      rotateNow().whenComplete((ok, err) -> {
        if (err != null) {
          LOG.warn("ticket key rotation failed: {}", err.toString());
        }
      });
    }
  }

  /**
   * Rotates now (or creates the first set): the set in force here rotated, at its generation + 1, compare-and-set
   * against whatever is stored. Completes with false if another writer won. Any node may call it (admin, tests); the
   * schedule calls it on the leader only.
   *
   * <p>A node with no set in force and a stored set it refused: a set under another master key is left alone
   * (replacing it would cut off the nodes that can open it); one under this key that does not open, or in format 1, is
   * replaced by a fresh set continuing its generation (from 1 if that generation is absurd).
   */
  public synchronized CompletionStage<Boolean> rotateNow() {
    Optional<SealedTicketKeys> cur = holder.current();
    if (cur.isPresent() && (accepted == null || cur.get().generation() > accepted.generation())) {
      onKeys(cur.get()); // rotate from the newest set this node accepts
    }
    Accepted a = accepted;
    TicketKeySet next;
    long generation;
    if (a != null) {
      next = a.keys().rotate();
      generation = a.generation() + 1;
    } else if (cur.isEmpty()) {
      next = TicketKeySet.generate();
      generation = 1;
    } else {
      try {
        sealer.open(cur.get().sealedKeys(), cur.get().aad());
      } catch (SealException e) {
        if (e.kind() == SealException.Kind.OTHER_KEY) {
          return CompletableFuture.failedFuture(new IllegalStateException("stored ticket keys do not open: "
              + e.getMessage()));
        }
      }
      LOG.warn("stored ticket keys generation {} refused by this node: replaced by a fresh set",
          cur.get().generation());
      next = TicketKeySet.generate();
      long g = cur.get().generation();
      generation = g >= 0 && g < MAX_SANE_GENERATION ? g + 1 : 1;
    }
    long expected = cur.map(SealedTicketKeys::generation).orElse(0L);
    long now = clock.millis();
    long nextRotation = now + rotation.toMillis();
    SealedTicketKeys sealed = new SealedTicketKeys(generation, sealer.seal(next.encode(),
        SealedTicketKeys.aad(generation, now, nextRotation)), now, nextRotation);
    return holder.compareAndSet(expected, sealed).thenApply(won -> {
      if (won) {
        LOG.info("ticket keys rotated to generation {}", generation);
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
