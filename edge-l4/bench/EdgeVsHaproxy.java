import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The edge against HAProxy {@code mode tcp} on this machine, in one run (see edge-vs-haproxy.sh).
 *
 * <pre>
 *   load (this JVM) ──▶ proxy under test ──PROXY v2──▶ echo upstream (this JVM, Netty epoll)
 *   proxies: the edge (EdgeBenchMain, its own JVM) and haproxy (send-proxy-v2), both with 2 threads
 * </pre>
 *
 * For each proxy: a warm-up, then (1) throughput: C connections stream 64 KiB writes and read the echo for T seconds;
 * (2) connection rate: K loops of connect, 16-byte request, 16-byte echo, FIN both ways, close, for T seconds
 * (TIME_WAIT on loopback is reused: net.ipv4.tcp_tw_reuse=2). The proxy's CPU time is
 * read from /proc/PID/stat (utime + stime) around each phase: results are per CPU-second of the proxy process, so
 * the load generator sharing the cores counts against both proxies alike.
 */
public final class EdgeVsHaproxy {

  static final long TICKS = Long.parseLong(System.getProperty("clk.tck", "100"));

  public static void main(String[] args) throws Exception {
    String classpath = System.getProperty("edge.cp");
    String logback = System.getProperty("edge.logback");
    int seconds = Integer.getInteger("phase.seconds", 8);
    int warmup = Integer.getInteger("warmup.seconds", 12);
    int streams = Integer.getInteger("streams", 4);
    int loops = Integer.getInteger("conn.loops", 16);
    Path work = Files.createTempDirectory("edge-vs-haproxy");

    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    Channel upstream = echoServer(group);
    int upstreamPort = ((InetSocketAddress) upstream.localAddress()).getPort();
    List<Process> started = new ArrayList<>();
    try {
      int edgePort = freePort();
      List<String> edgeCommand = new ArrayList<>(List.of("java", "-Xms256m", "-Xmx256m"));
      String extra = System.getProperty("edge.jvm.args", "").trim();
      if (!extra.isEmpty()) {
        edgeCommand.addAll(List.of(extra.split("\\s+")));
      }
      edgeCommand.addAll(List.of("-Dlogback.configurationFile=" + logback, "-cp", classpath,
          "io.sslfarm.edge.EdgeBenchMain", "--port", String.valueOf(edgePort), "--upstream",
          "127.0.0.1:" + upstreamPort, "--native", "--event-loops", "2"));
      Process edge = new ProcessBuilder(edgeCommand)
          .redirectErrorStream(true).redirectOutput(work.resolve("edge.log").toFile()).start();
      started.add(edge);
      int haproxyPort = freePort();
      Path cfg = work.resolve("haproxy.cfg");
      Files.writeString(cfg, String.join("\n",
          "global", "  nbthread 2", "  maxconn 4000",
          "defaults", "  mode tcp", "  timeout connect 2s", "  timeout client 60s", "  timeout server 60s",
          "frontend fe", "  bind 127.0.0.1:" + haproxyPort, "  default_backend be",
          "backend be", "  server s1 127.0.0.1:" + upstreamPort + " send-proxy-v2", ""));
      Process haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString())
          .redirectErrorStream(true).redirectOutput(work.resolve("haproxy.log").toFile()).start();
      started.add(haproxy);
      awaitEcho(edgePort, 60_000);
      awaitEcho(haproxyPort, 10_000);
      System.out.printf(Locale.ROOT, "upstream echo :%d, edge :%d (pid %d), haproxy :%d (pid %d); %d s per phase,"
          + " %d streams, %d connect loops, %d cores%n", upstreamPort, edgePort, edge.pid(), haproxyPort,
          haproxy.pid(), seconds, streams, loops, Runtime.getRuntime().availableProcessors());
      // warm both (the edge's JIT above all), then measure one after the other
      // a JVM must be JIT-warm before it is measured (C2 compiles take seconds of CPU on a busy machine)
      System.out.printf(Locale.ROOT, "warm-up: edge %d MB, %d connections%n",
          throughput(edgePort, streams, 3) >> 19, connections(edgePort, loops, warmup));
      throughput(haproxyPort, streams, 1);
      connections(haproxyPort, loops, 1);
      Result[] results = {measure("edge", edge.pid(), edgePort, streams, loops, seconds),
          measure("haproxy", haproxy.pid(), haproxyPort, streams, loops, seconds)};
      System.out.println();
      System.out.println("| proxy | relayed MB/s | MB per proxy CPU-s | proxy CPU (cores) | conn/s | conn per proxy CPU-s"
          + " | proxy CPU (cores) |");
      System.out.println("|---|---|---|---|---|---|---|");
      for (Result r : results) {
        System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |%n", r.name, r.mbPerSec,
            r.mbPerCpuSec, r.thrCores, r.connPerSec, r.connPerCpuSec, r.connCores);
      }
      System.out.println("(relayed MB counts bytes through the proxy in both directions; MB = 10^6 bytes)");
    } finally {
      for (Process p : started) {
        p.destroy();
      }
      for (Process p : started) {
        p.waitFor();
      }
      upstream.close().sync();
      group.shutdownGracefully().sync();
    }
  }

  record Result(String name, double mbPerSec, double mbPerCpuSec, double thrCores, double connPerSec,
      double connPerCpuSec, double connCores) {
  }

  static Result measure(String name, long pid, int port, int streams, int loops, int seconds) throws Exception {
    long cpu0 = cpuTicks(pid);
    long t0 = System.nanoTime();
    long bytes = throughput(port, streams, seconds);
    double thrSecs = (System.nanoTime() - t0) / 1e9;
    double thrCpu = (cpuTicks(pid) - cpu0) / (double) TICKS;
    long cpu1 = cpuTicks(pid);
    long sys1 = systemTicks(pid);
    t0 = System.nanoTime();
    long conns = connections(port, loops, seconds);
    double connSecs = (System.nanoTime() - t0) / 1e9;
    double connCpu = (cpuTicks(pid) - cpu1) / (double) TICKS;
    double connSys = (systemTicks(pid) - sys1) / (double) TICKS;
    double mb = 2.0 * bytes / 1e6; // each echoed byte crossed the proxy twice
    System.out.printf(Locale.ROOT, "%s: %.0f MB relayed in %.1f s using %.2f CPU-s; %d connections in %.1f s using"
        + " %.2f CPU-s (%.0f%% of it in the kernel)%n", name, mb, thrSecs, thrCpu, conns, connSecs, connCpu,
        100 * connSys / Math.max(connCpu, 1e-9));
    return new Result(name, mb / thrSecs, mb / thrCpu, thrCpu / thrSecs, conns / connSecs, conns / connCpu,
        connCpu / connSecs);
  }

  /** Streams for {@code seconds}; returns the bytes that came back (each also went out). */
  static long throughput(int port, int streams, int seconds) throws Exception {
    AtomicLong echoed = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      Socket s = new Socket("127.0.0.1", port);
      s.setTcpNoDelay(true);
      sockets.add(s);
      threads.add(started(() -> {
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = s.getOutputStream()) {
          while (!stop.get()) {
            out.write(chunk);
          }
          s.shutdownOutput();
        } catch (IOException e) {
          // closed at the end
        }
      }));
      threads.add(started(() -> {
        byte[] buf = new byte[64 * 1024];
        try {
          InputStream in = s.getInputStream();
          int n;
          while ((n = in.read(buf)) >= 0) {
            if (!stop.get()) {
              echoed.addAndGet(n);
            }
          }
        } catch (IOException e) {
          // closed at the end
        }
      }));
    }
    Thread.sleep(seconds * 1000L);
    stop.set(true);
    long result = echoed.get();
    for (Thread t : threads) {
      t.join(5000);
    }
    for (Socket s : sockets) {
      s.close();
    }
    return result;
  }

  /** Connect, 16 bytes, 16 bytes back, close, in {@code loops} threads for {@code seconds}; returns the count. */
  static long connections(int port, int loops, int seconds) throws Exception {
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < loops; i++) {
      threads.add(started(() -> {
        byte[] req = "0123456789abcdef".getBytes();
        byte[] resp = new byte[16];
        while (System.nanoTime() < end) {
          try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            s.getOutputStream().write(req);
            InputStream in = s.getInputStream();
            int got = 0;
            while (got < 16) {
              int n = in.read(resp, got, 16 - got);
              if (n < 0) {
                throw new IOException("EOF after " + got + " bytes");
              }
              got += n;
            }
            s.shutdownOutput(); // FIN: the proxy half-closes upstream, the echo server answers with its FIN
            if (in.read() >= 0) {
              throw new IOException("bytes after the echo");
            }
            done.incrementAndGet();
          } catch (IOException e) {
            failed.incrementAndGet();
          }
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failed.get() > 0) {
      System.out.println("  (" + failed.get() + " connections failed on port " + port + ")");
    }
    return done.get();
  }

  /**
   * The upstream: takes the PROXY header, echoes with back-pressure (stops reading while it cannot write), answers
   * the client's FIN with its own and closes.
   */
  static Channel echoServer(EventLoopGroup group) throws InterruptedException {
    return new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HAProxyMessageDecoder(), new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HAProxyMessage m) {
                  m.release();
                } else if (ctx.channel().isWritable()) {
                  ctx.write(msg);
                } else {
                  ctx.writeAndFlush(msg);
                  ctx.channel().config().setAutoRead(false); // resumed by channelWritabilityChanged
                }
              }

              @Override
              public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
              }

              @Override
              public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                ctx.channel().config().setAutoRead(ctx.channel().isWritable());
              }

              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                  ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                }
                ReferenceCountUtil.release(evt);
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
              }
            });
          }
        }).bind("127.0.0.1", 0).sync().channel();
  }

  static Thread started(Runnable r) {
    Thread t = new Thread(r);
    t.start();
    return t;
  }

  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
  }

  static long systemTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[12]); // field 15: stime
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void awaitEcho(int port, long timeoutMillis) throws Exception {
    long end = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(1000);
        s.getOutputStream().write('x');
        if (s.getInputStream().read() == 'x') {
          return;
        }
      } catch (IOException e) {
        // not yet
      }
      if (System.currentTimeMillis() > end) {
        throw new IllegalStateException("nothing echoes through port " + port);
      }
      Thread.sleep(200);
    }
  }
}
