package io.sslfarm.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Asserts a {@link CertificateRejectedException} with its reason and message. */
public final class Rejections {

  private Rejections() {
  }

  /** Code under test. */
  public interface Call {
    void run() throws Exception;
  }

  public static void assertRejected(Call call, CertificateRejectedException.Reason reason, String messagePrefix) {
    assertThatThrownBy(call::run).isInstanceOf(CertificateRejectedException.class)
        .hasMessageStartingWith(messagePrefix)
        .satisfies(e -> assertThat(((CertificateRejectedException) e).reason()).isEqualTo(reason));
  }
}
