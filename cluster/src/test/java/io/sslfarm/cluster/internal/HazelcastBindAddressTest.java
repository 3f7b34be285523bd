package io.sslfarm.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sslfarm.cluster.ClusterOptions;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmClusters;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code cluster.host: 127.0.0.1} keeps the member's server socket on that address. The check is a connection to
 * 127.0.0.2, another loopback address of this host (Linux routes all of 127.0.0.0/8 to {@code lo}): a socket bound to
 * 0.0.0.0 accepts it, one bound to 127.0.0.1 refuses it. A connection to 127.0.0.1 must succeed, so that a member that
 * failed to listen cannot pass.
 */
@Timeout(60)
class HazelcastBindAddressTest {

  @Test
  void hostLoopback_memberListensOnLoopbackOnly_notOnEveryAddress() throws Exception {
    int base = 45000 + ThreadLocalRandom.current().nextInt(0, 100) * 50;
    ClusterOptions o = ClusterOptions.localMember("bind-" + UUID.randomUUID(), base, List.of());
    FarmCluster c = FarmClusters.start(o).get(40, TimeUnit.SECONDS);
    try {
      String self = ((HazelcastFarmCluster) c).members().get(0);
      int port = Integer.parseInt(self.substring(self.lastIndexOf(':') + 1));

      connect("127.0.0.1", port); // the member does listen
      assertThat(catchThrowable(() -> connect("127.0.0.2", port)))
          .as("connecting to the member port on 127.0.0.2 (accepted = bound to every address, not 127.0.0.1)")
          .isInstanceOf(ConnectException.class);
    } finally {
      c.shutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static void connect(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      assertThat(s.isConnected()).isTrue();
    }
  }
}
