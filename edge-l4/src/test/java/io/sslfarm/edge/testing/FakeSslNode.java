package io.sslfarm.edge.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in SSL node: a plain Netty TCP server that requires a PROXY header (like the real one), records the client
 * address it carries, and then either identifies itself and echoes ({@link Mode#IDENTIFY}) or runs a bulk exchange
 * ({@link Mode#BULK}: hashes everything it receives until EOF, sends {@code bulkBytes} of a seeded stream, then
 * half-closes), honouring back-pressure both ways.
 */
public final class FakeSslNode implements AutoCloseable {

  public enum Mode { IDENTIFY, BULK }

  private static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(true);

  private final String id;
  private final EventLoopGroup group;
  private final Mode mode;
  private final long bulkBytes;
  private final long readBytesPerTick;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger localHeaders = new AtomicInteger();
  private final AtomicInteger missingHeader = new AtomicInteger();
  private final Queue<InetSocketAddress> sources = new ConcurrentLinkedQueue<>();
  private final Queue<String> receivedDigests = new ConcurrentLinkedQueue<>();
  private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private Channel server;

  public FakeSslNode(String id, EventLoopGroup group) {
    this(id, group, Mode.IDENTIFY, 0, 0);
  }

  /** @param readBytesPerTick 0 = read at full speed; else read at most this much per millisecond tick */
  public FakeSslNode(String id, EventLoopGroup group, Mode mode, long bulkBytes, long readBytesPerTick) {
    this.id = id;
    this.group = group;
    this.mode = mode;
    this.bulkBytes = bulkBytes;
    this.readBytesPerTick = readBytesPerTick;
  }

  public FakeSslNode start() throws InterruptedException {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        // its own unpooled allocator: the pooled default allocator's meters then show the edge's buffers alone
        .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            children.add(ch);
            ch.pipeline().addLast(new HAProxyMessageDecoder(), new Handler());
          }
        }).bind("127.0.0.1", 0).sync().channel();
    return this;
  }

  public String id() {
    return id;
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public String dataAddress() {
    return "127.0.0.1:" + port();
  }

  /** Connections that carried a PROXY (not LOCAL) header. */
  public int connections() {
    return connections.get();
  }

  public int localHeaders() {
    return localHeaders.get();
  }

  public int missingHeader() {
    return missingHeader.get();
  }

  public Queue<InetSocketAddress> sources() {
    return sources;
  }

  /** SHA-256 (hex) of what each BULK connection received before EOF. */
  public Queue<String> receivedDigests() {
    return receivedDigests;
  }

  /** Closes the listener and every connection, like a killed process. */
  @Override
  public void close() {
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    children.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /** The bytes the BULK mode sends: a fixed pseudo-random stream. */
  public static byte streamByte(long i) {
    long x = i * 0x9E3779B97F4A7C15L;
    return (byte) (x >>> 56 ^ x >>> 29 ^ i);
  }

  private final class Handler extends ChannelInboundHandlerAdapter {
    private boolean proxied;
    private boolean local;
    private MessageDigest received;
    private long sent;
    private long readThisTick;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HAProxyMessage m) {
        try {
          if (m.command() == HAProxyCommand.LOCAL) {
            localHeaders.incrementAndGet();
            local = true;
            ctx.close();
            return;
          }
          proxied = true;
          connections.incrementAndGet();
          sources.add(new InetSocketAddress(m.sourceAddress(), m.sourcePort()));
          if (mode == Mode.IDENTIFY) {
            ctx.writeAndFlush(Unpooled.copiedBuffer(id + " " + m.sourceAddress() + ":" + m.sourcePort() + "\n",
                StandardCharsets.US_ASCII));
          } else {
            received = sha256();
            sendMore(ctx);
          }
        } finally {
          m.release();
        }
        return;
      }
      if (local) {
        // bytes that came in the same read as a LOCAL header (a TLS health check's ClientHello): not a missing header
        ReferenceCountUtil.release(msg);
        return;
      }
      if (!proxied) {
        missingHeader.incrementAndGet();
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      ByteBuf b = (ByteBuf) msg;
      if (mode == Mode.IDENTIFY) {
        ctx.write(b);
        if (!ctx.channel().isWritable()) {
          ctx.flush();
          ctx.channel().config().setAutoRead(false);
        }
        return;
      }
      readThisTick += b.readableBytes();
      received.update(b.nioBuffer());
      b.release();
      if (readBytesPerTick > 0 && readThisTick >= readBytesPerTick) {
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> {
          readThisTick = 0;
          ctx.channel().config().setAutoRead(true);
        }, 1, TimeUnit.MILLISECONDS);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        if (mode == Mode.IDENTIFY) {
          ctx.channel().config().setAutoRead(true);
        } else {
          sendMore(ctx);
        }
      }
    }

    private void sendMore(ChannelHandlerContext ctx) {
      Channel ch = ctx.channel();
      while (sent < bulkBytes && ch.isWritable()) {
        int n = (int) Math.min(16 * 1024, bulkBytes - sent);
        ByteBuf b = ch.alloc().buffer(n);
        for (int i = 0; i < n; i++) {
          b.writeByte(streamByte(sent + i));
        }
        sent += n;
        ch.write(b);
      }
      ch.flush();
      if (sent == bulkBytes) {
        sent++; // once
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f ->
            ((DuplexChannel) f.channel()).shutdownOutput());
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        if (mode == Mode.BULK && received != null) {
          receivedDigests.add(HexFormat.of().formatHex(received.digest()));
        } else {
          ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f ->
              ((DuplexChannel) f.channel()).shutdownOutput());
        }
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      org.slf4j.LoggerFactory.getLogger(FakeSslNode.class).debug("fake node {} connection error", id, cause);
      ctx.close();
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
