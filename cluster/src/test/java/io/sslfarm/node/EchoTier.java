package io.sslfarm.node;

import io.sslfarm.cluster.HostPort;
import io.vertx.core.Future;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A minimal tier for node tests: a TCP echo server on 127.0.0.1, port 0. */
public final class EchoTier implements Tier {

  private NetServer server;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();

  @Override
  public Future<HostPort> start(TierContext context) {
    server = context.vertx().createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0));
    server.connectHandler(s -> {
      open.add(s);
      s.closeHandler(v -> open.remove(s));
      s.handler(s::write);
    });
    return server.listen().map(s -> new HostPort("127.0.0.1", s.actualPort()));
  }

  @Override
  public Future<Void> stopAccepting() {
    return server.close();
  }

  @Override
  public long activeConnections() {
    return open.size();
  }

  @Override
  public Future<Void> close() {
    open.forEach(NetSocket::close);
    return Future.succeededFuture();
  }
}
