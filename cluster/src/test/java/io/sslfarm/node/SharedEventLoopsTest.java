package io.sslfarm.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SharedEventLoopsTest {

  private static Vertx node(int loops) {
    SharedEventLoops t = SharedEventLoops.nativeTransport(true);
    assumeTrue(t != null, "native transport not available");
    return Vertx.builder().with(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops))
        .withTransport(t).build();
  }

  private static Set<Thread> threadsOf(Vertx vertx, int probes) throws Exception {
    Set<Thread> threads = new HashSet<>();
    for (int i = 0; i < probes; i++) {
      EventLoop loop = ((VertxInternal) vertx).nettyEventLoopGroup().next();
      threads.add(loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS));
    }
    return threads;
  }

  @Test
  void twoNodesOfOneProcess_runOnTheSameLoops_andTheLoopsOutliveTheFirstToClose() throws Exception {
    int before = SharedEventLoops.leases();
    Vertx a = node(2);
    Vertx b = node(2);
    try {
      assertThat(SharedEventLoops.leases()).isEqualTo(before + 2);
      Set<Thread> ta = threadsOf(a, 8);
      Set<Thread> tb = threadsOf(b, 8);
      assertThat(ta).hasSize(2).isEqualTo(tb);

      a.close().await(10, TimeUnit.SECONDS);
      assertThat(SharedEventLoops.leases()).isEqualTo(before + 1);
      // b still serves: a TCP echo on its (shared) loops
      NetServer server = b.createNetServer().connectHandler(so -> so.handler(so::write));
      int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
      CompletableFuture<String> echoed = new CompletableFuture<>();
      NetSocket so = b.createNetClient().connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
      so.handler(buf -> echoed.complete(buf.toString()));
      so.write("ping");
      assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
      assertThat(ta).allMatch(Thread::isAlive);
    } finally {
      b.close().await(20, TimeUnit.SECONDS);
    }
    assertThat(SharedEventLoops.leases()).isEqualTo(before);
  }
}
