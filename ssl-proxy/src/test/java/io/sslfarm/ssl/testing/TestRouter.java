package io.sslfarm.ssl.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A tiny L7 router stand-in: decodes the PROXY v2 header (Netty's decoder), records what it carried, and answers with
 * a body that lists the header fields ({@code router=… client=… sni=… alpn=… version=…}): when the ALPN TLV says h2
 * and the client sends the HTTP/2 preface it speaks HTTP/2 (Netty's frame codec, one response per stream), otherwise it answers every chunk of plaintext with
 * an HTTP/1.1 response and closes after a request that contains "close".
 */
public final class TestRouter implements AutoCloseable {

  /** What one upstream connection's PROXY header said. */
  public record Seen(String source, int sourcePort, Map<String, String> tlvs) {
    public String body() {
      StringBuilder sb = new StringBuilder("client=" + source + ":" + sourcePort);
      tlvs.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
      return sb.toString();
    }
  }

  public final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  public final String id;
  /** Connections accepted so far. */
  public final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
  /** False in benchmarks, where nobody drains {@link #seen}. */
  public volatile boolean recordHeaders = true;

  public TestRouter(String id) throws InterruptedException {
    this(id, 0);
  }

  public TestRouter(String id, int port) throws InterruptedException {
    this.id = id;
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            accepted.incrementAndGet();
            ch.pipeline().addLast(new HAProxyMessageDecoder(), new Handler());
          }
        }).bind("127.0.0.1", port).sync().channel();
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public NodeInfo nodeInfo() {
    return new NodeInfo(id, NodeRole.ROUTER, "127.0.0.1:" + port(), "127.0.0.1:1", 10, NodeState.ACTIVE, "test",
        "m", 0);
  }

  private final class Handler extends SimpleChannelInboundHandler<Object> {
    private Seen header;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HAProxyMessage m) {
        Map<String, String> t = new TreeMap<>();
        for (HAProxyTLV tlv : m.tlvs()) {
          collect(tlv, t);
        }
        header = new Seen(m.sourceAddress(), m.sourcePort(), t);
        if (recordHeaders) {
          seen.add(header);
        }
        return;
      }
      ByteBuf buf = (ByteBuf) msg;
      if (header != null && "h2".equals(header.tlvs().get("alpn")) && buf.readableBytes() >= 3
          && buf.toString(buf.readerIndex(), 3, StandardCharsets.US_ASCII).equals("PRI")) {
        // RFC 9113 §3.4: the client preface. From here on this connection speaks HTTP/2.
        ctx.pipeline().addAfter(ctx.name(), "h2", Http2FrameCodecBuilder.forServer().build());
        ctx.pipeline().addAfter("h2", "h2-streams", new Http2MultiplexHandler(new H2Stream(body(header))));
        ctx.fireChannelRead(buf.retain());
        ctx.pipeline().remove(this);
        return;
      }
      String req = buf.toString(StandardCharsets.UTF_8);
      String body = body(header);
      String resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
          + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
      var f = ctx.writeAndFlush(Unpooled.copiedBuffer(resp, StandardCharsets.UTF_8));
      if (req.toLowerCase().contains("close")) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    private String body(Seen h) {
      return "router=" + id + " " + (h == null ? "no-header" : h.body()) + "\n";
    }

    private void collect(HAProxyTLV tlv, Map<String, String> t) {
      if (tlv instanceof HAProxySSLTLV ssl) {
        t.put("ssl-client", Integer.toString(ssl.client()));
        ssl.encapsulatedTLVs().forEach(s -> collect(s, t));
        return;
      }
      String v = tlv.content().toString(StandardCharsets.UTF_8);
      switch (tlv.typeByteValue()) {
        case 0x01 -> t.put("alpn", v);
        case 0x02 -> t.put("sni", v);
        case 0x21 -> t.put("version", v);
        case 0x23 -> t.put("cipher", v);
        default -> t.put("tlv-" + tlv.typeByteValue(), v);
      }
    }
  }

  /** One HTTP/2 stream: answers its request headers with 200 and the router's body. */
  private static final class H2Stream extends ChannelInitializer<Http2StreamChannel> {
    private final String body;

    H2Stream(String body) {
      this.body = body;
    }

    @Override
    protected void initChannel(Http2StreamChannel ch) {
      ch.pipeline().addLast(new SimpleChannelInboundHandler<Http2HeadersFrame>() {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
          ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
          ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
              .setInt("content-length", content.readableBytes())));
          ctx.writeAndFlush(new DefaultHttp2DataFrame(content, true));
        }
      });
    }
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }
}
