package io.sslfarm.ssl.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.SealedTicketKeys;
import io.sslfarm.cluster.TicketKeyHolder;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ticket keys on an in-memory holder, with the test as a rogue writer on the cluster (the holder, like a Hazelcast map
 * without member authentication, stores whatever it is given): the generation and rotation times are bound into the
 * seal, generations only go up, and the normal rotation path still reaches every node.
 */
class TicketKeyManagerTest {

  private static final Duration ROTATION = Duration.ofHours(1);

  private final Vertx vertx = Vertx.vertx();
  private final LocalFarmCluster cluster = new LocalFarmCluster();
  private final TicketKeyHolder holder = cluster.ticketKeys();
  private final SecretSealer sealer = new SecretSealer(MasterKey.generate());
  private final List<TicketKeySet> appliedOnA = new CopyOnWriteArrayList<>();
  private final List<TicketKeySet> appliedOnB = new CopyOnWriteArrayList<>();
  private TicketKeyManager leader;
  private TicketKeyManager follower;

  @BeforeEach
  void start() {
    cluster.setLeader(true);
    leader = new TicketKeyManager(vertx, holder, cluster.leadership(), sealer, ROTATION, appliedOnA::add);
    leader.start(); // no set stored: the leader creates generation 1
    await().atMost(Duration.ofSeconds(5)).until(() -> leader.appliedGeneration() == 1);
    follower = new TicketKeyManager(vertx, holder, notLeader(), sealer, ROTATION, appliedOnB::add);
    follower.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> follower.appliedGeneration() == 1);
  }

  private static io.sslfarm.cluster.Leadership notLeader() {
    return new io.sslfarm.cluster.Leadership() {
      @Override
      public boolean isLeader() {
        return false;
      }

      @Override
      public AutoCloseable addListener(java.util.function.Consumer<Boolean> listener) {
        return () -> { };
      }
    };
  }

  @AfterEach
  void stop() throws Exception {
    leader.close();
    follower.close();
    cluster.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private SealedTicketKeys stored() {
    return holder.current().orElseThrow();
  }

  /**
   * Writes {@code value} over whatever is stored, as a rogue member could. The in-memory holder calls its listeners
   * before the write completes, so both nodes have seen the value on return.
   */
  private void rogueWrite(SealedTicketKeys value) throws Exception {
    assertThat(holder.compareAndSet(stored().generation(), value).toCompletableFuture().get(5, TimeUnit.SECONDS))
        .isTrue();
  }

  private boolean rotate() throws Exception {
    return leader.rotateNow().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void rotation_reachesEveryNode_andShiftsKeys() throws Exception {
    TicketKeySet first = appliedOnA.get(0);
    assertThat(rotate()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> leader.appliedGeneration() == 2
        && follower.appliedGeneration() == 2);
    assertThat(rotate()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> follower.appliedGeneration() == 3);

    assertThat(appliedOnB).hasSize(3);
    TicketKeySet third = appliedOnB.get(2);
    // generation 3's previous key is generation 1's next key, twice rotated: previous ← current ← next
    assertThat(java.util.Arrays.copyOfRange(third.encode(), 0, TicketKeySet.KEY_LENGTH))
        .isEqualTo(java.util.Arrays.copyOfRange(first.encode(), 2 * TicketKeySet.KEY_LENGTH,
            3 * TicketKeySet.KEY_LENGTH));
    assertThat(stored().generation()).isEqualTo(3);
    assertThat(cluster.rejectedValues()).isZero();
  }

  @Test
  void tamperedGeneration_refused_andRotationGoesOn() throws Exception {
    SealedTicketKeys s = stored();
    // generation 2^62 in clear: under the old constant AAD this opened, froze the CAS at 2^62 and was applied
    rogueWrite(new SealedTicketKeys(1L << 62, s.sealedKeys(), s.rotatedAtMillis(), s.nextRotationMillis()));

    assertThat(leader.appliedGeneration()).isEqualTo(1);
    assertThat(follower.appliedGeneration()).isEqualTo(1);
    assertThat(appliedOnB).hasSize(1);
    assertThat(cluster.rejectedValues()).isEqualTo(2); // refused by both nodes

    // the leader rotates from the set in force, at generation 2 (not 2^62 + 1), over the forged value
    assertThat(rotate()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> follower.appliedGeneration() == 2);
    assertThat(stored().generation()).isEqualTo(2);
  }

  @Test
  void tamperedNextRotation_refused() throws Exception {
    SealedTicketKeys s = stored();
    // a far next-rotation (with a higher generation so that it is not ignored as a redelivery) would freeze rotation
    rogueWrite(new SealedTicketKeys(2, s.sealedKeys(), s.rotatedAtMillis(), Long.MAX_VALUE / 2));

    assertThat(leader.appliedGeneration()).isEqualTo(1);
    assertThat(follower.appliedGeneration()).isEqualTo(1);
    assertThat(appliedOnB).hasSize(1);
  }

  @Test
  void replayedOlderSet_refused() throws Exception {
    SealedTicketKeys first = stored();
    assertThat(rotate()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> follower.appliedGeneration() == 2);
    TicketKeySet inForce = appliedOnB.get(1);

    rogueWrite(first); // an authentic, older set put back whole

    assertThat(leader.appliedGeneration()).isEqualTo(2);
    assertThat(follower.appliedGeneration()).isEqualTo(2);
    assertThat(appliedOnB).hasSize(2).last().isSameAs(inForce);
    assertThat(cluster.rejectedValues()).isEqualTo(2);

    assertThat(rotate()).isTrue(); // rotation goes on from generation 2
    await().atMost(Duration.ofSeconds(5)).until(() -> follower.appliedGeneration() == 3);
  }

  @Test
  void setInOldUnboundFormat_refused_thenReplacedByRotation() throws Exception {
    SealedTicketKeys s = stored();
    long now = System.currentTimeMillis();
    // format 1, as an older sslfarm sealed it: the purpose string as the only associated data
    SealedTicketKeys legacy = new SealedTicketKeys(5, sealer.seal(TicketKeySet.generate().encode(), "ticket-keys"),
        now, now + ROTATION.toMillis());
    rogueWrite(legacy);
    assertThat(follower.appliedGeneration()).isEqualTo(1);

    assertThat(rotate()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> follower.appliedGeneration() == 2);
    assertThat(stored().generation()).isEqualTo(2);
    assertThat(s.generation()).isEqualTo(1);
  }

  @Test
  void authenticSetTooFarAhead_refused() throws Exception {
    long now = System.currentTimeMillis();
    long generation = 1 + TicketKeyManager.MAX_GENERATION_STEP + 1;
    SealedTicketKeys jump = new SealedTicketKeys(generation, sealer.seal(TicketKeySet.generate().encode(),
        SealedTicketKeys.aad(generation, now, now + ROTATION.toMillis())), now, now + ROTATION.toMillis());
    rogueWrite(jump);
    assertThat(follower.appliedGeneration()).isEqualTo(1);

    long ok = 1 + TicketKeyManager.MAX_GENERATION_STEP;
    SealedTicketKeys withinBound = new SealedTicketKeys(ok, sealer.seal(TicketKeySet.generate().encode(),
        SealedTicketKeys.aad(ok, now, now + ROTATION.toMillis())), now, now + ROTATION.toMillis());
    assertThat(holder.compareAndSet(generation, withinBound).toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> follower.appliedGeneration() == ok);
  }
}
