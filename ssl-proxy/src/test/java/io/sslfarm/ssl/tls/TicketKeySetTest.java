package io.sslfarm.ssl.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TicketKeySetTest {

  @Test
  void rotate_shiftsKeys_andOpenSslOrderIsCurrentNextPrevious() {
    TicketKeySet g1 = TicketKeySet.generate();
    TicketKeySet g2 = g1.rotate();
    byte[] e1 = g1.encode();
    byte[] e2 = g2.encode();
    int k = TicketKeySet.KEY_LENGTH;
    // previous(g2) = current(g1), current(g2) = next(g1), next(g2) is new
    assertThat(Arrays.copyOfRange(e2, 0, k)).isEqualTo(Arrays.copyOfRange(e1, k, 2 * k));
    assertThat(Arrays.copyOfRange(e2, k, 2 * k)).isEqualTo(Arrays.copyOfRange(e1, 2 * k, 3 * k));
    assertThat(Arrays.copyOfRange(e2, 2 * k, 3 * k)).isNotEqualTo(Arrays.copyOfRange(e1, 2 * k, 3 * k));
    OpenSslSessionTicketKey[] o = g2.toOpenSsl();
    assertThat(o[0].name()).isEqualTo(Arrays.copyOfRange(e2, k, k + 16)); // current encrypts
    assertThat(o[1].name()).isEqualTo(Arrays.copyOfRange(e2, 2 * k, 2 * k + 16)); // next
    assertThat(o[2].name()).isEqualTo(Arrays.copyOfRange(e2, 0, 16)); // previous
    assertThat(TicketKeySet.decode(e2).encode()).isEqualTo(e2);
  }

  @Test
  void decode_rejectsWrongLength() {
    assertThatThrownBy(() -> TicketKeySet.decode(new byte[10])).isInstanceOf(IllegalArgumentException.class);
  }
}
