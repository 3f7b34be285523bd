package io.sslfarm.ssl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.ssl.SslMetrics.Reject;
import org.junit.jupiter.api.Test;

class HandshakeAdmissionTest {

  @Test
  void concurrencyLimit_refusesOverTheLimit_andReleaseFreesASlot() {
    HandshakeAdmission a = new HandshakeAdmission(2, 0);
    assertThat(a.tryAcquire()).isNull();
    assertThat(a.tryAcquire()).isNull();
    assertThat(a.tryAcquire()).isEqualTo(Reject.MAX_HANDSHAKES);
    assertThat(a.inProgress()).isEqualTo(2);
    a.release();
    assertThat(a.tryAcquire()).isNull();
    assertThat(a.inProgress()).isEqualTo(2);
  }

  @Test
  void rateLimit_burstOfOneSecond_refusedTakeNoSlot() {
    HandshakeAdmission a = new HandshakeAdmission(0, 5);
    for (int i = 0; i < 5; i++) {
      assertThat(a.tryAcquire()).isNull();
    }
    assertThat(a.tryAcquire()).isEqualTo(Reject.MAX_HANDSHAKE_RATE);
    assertThat(a.inProgress()).isEqualTo(5);
  }

  @Test
  void unlimited_admitsAll() {
    HandshakeAdmission a = new HandshakeAdmission(0, 0);
    for (int i = 0; i < 10_000; i++) {
      assertThat(a.tryAcquire()).isNull();
    }
    assertThat(a.inProgress()).isEqualTo(10_000);
  }
}
