package io.sslfarm.router;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.cluster.SessionTable;
import io.sslfarm.router.affinity.StickyKeys;
import io.sslfarm.router.config.FarmConfigValidator;
import io.sslfarm.router.config.RouterFarmConfig;
import io.sslfarm.router.internal.RouterEngine;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;

/** Test fixtures: id-answering backends, routers built directly from an engine, PROXY v2 bytes, raw HTTP exchanges. */
public final class RouterFixture {

  private RouterFixture() {
  }

  /**
   * A backend that answers its id as the body. {@code /echo} answers the request headers as JSON. With
   * {@code learn}, a request without a JSESSIONID cookie gets {@code Set-Cookie: JSESSIONID=<id>-<uuid>}.
   */
  public static HttpServer backend(Vertx vertx, String id, boolean learn) {
    return vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/echo")) {
        JsonObject h = new JsonObject();
        req.headers().forEach(e -> h.put(e.getKey().toLowerCase(), h.containsKey(e.getKey().toLowerCase())
            ? h.getString(e.getKey().toLowerCase()) + "," + e.getValue() : e.getValue()));
        req.body().onSuccess(b -> req.response().putHeader("X-Backend", id)
            .end(new JsonObject().put("id", id).put("headers", h).put("body", b.toString()).encode()));
        return;
      }
      if (learn) {
        String c = req.getHeader("Cookie");
        if (c == null || !c.contains("JSESSIONID=")) {
          req.response().putHeader("Set-Cookie", "JSESSIONID=" + id + "-" + UUID.randomUUID() + "; Path=/");
        }
      }
      req.body().onSuccess(b -> req.response().putHeader("X-Backend", id).end(id));
    }).listen(0, "127.0.0.1").await();
  }

  public static JsonObject pool(String mode, boolean strict, HttpServer... backends) {
    JsonArray bs = new JsonArray();
    for (int i = 0; i < backends.length; i++) {
      bs.add(new JsonObject().put("id", "b" + i).put("address", "127.0.0.1:" + backends[i].actualPort()));
    }
    return new JsonObject().put("backends", bs)
        .put("sticky", new JsonObject().put("mode", mode).put("strict", strict).put("idle-ttl", "30m"));
  }

  public static RouterFarmConfig config(JsonObject webPool) {
    return FarmConfigValidator.validate(new JsonObject().put("default-pool", "web"),
        new JsonObject().put("web", webPool));
  }

  public static RouterOptions directOptions() {
    return new RouterOptions().setHost("127.0.0.1").setPort(0).setProxyProtocol(false).setEventLoops(1)
        .setAccessLog(true).setStickySecret("test-secret-0123456789");
  }

  public static RouterEngine router(Vertx vertx, RouterOptions options, RouterFarmConfig config,
      BiFunction<String, Duration, SessionTable> tables) {
    RouterEngine e = new RouterEngine(vertx, options, new SimpleMeterRegistry(),
        StickyKeys.fromSecret(options.stickySecret()), tables);
    e.apply(config);
    e.start().await();
    return e;
  }

  // ---- PROXY protocol v2 (haproxy proxy-protocol.txt §2.2) ----

  /** A PROXY v2 header for TCP over IPv4 with optional TLVs (each already encoded as type, len16, value). */
  public static byte[] proxyV2(String srcIp, int srcPort, String dstIp, int dstPort, byte[] tlvs) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A}); // signature
    b.write(0x21); // version 2, command PROXY
    b.write(0x11); // AF_INET, STREAM
    int len = 12 + tlvs.length; // §2.2: the address block length includes the TLVs
    b.write(len >> 8);
    b.write(len & 0xff);
    b.writeBytes(ip4(srcIp));
    b.writeBytes(ip4(dstIp));
    b.write(srcPort >> 8);
    b.write(srcPort & 0xff);
    b.write(dstPort >> 8);
    b.write(dstPort & 0xff);
    b.writeBytes(tlvs);
    return b.toByteArray();
  }

  /**
   * A PROXY v2 header without addresses: command LOCAL (health checks), or PROXY with family UNSPEC (§2.2), no
   * address block.
   */
  public static byte[] proxyV2NoAddress(boolean local) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A}); // signature
    b.write(local ? 0x20 : 0x21); // version 2, command LOCAL / PROXY
    b.write(0x00); // AF_UNSPEC, UNSPEC
    b.write(0);
    b.write(0);
    return b.toByteArray();
  }

  public static byte[] tlv(int type, byte[] value) {
    byte[] out = new byte[3 + value.length];
    out[0] = (byte) type;
    out[1] = (byte) (value.length >> 8);
    out[2] = (byte) value.length;
    System.arraycopy(value, 0, out, 3, value.length);
    return out;
  }

  /** PP2_TYPE_SSL (0x20): client=PP2_CLIENT_SSL, verify=0, sub-TLVs VERSION (0x21) and CIPHER (0x23). */
  public static byte[] sslTlv(String version, String cipher) {
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    v.write(0x01); // client: PP2_CLIENT_SSL
    v.writeBytes(new byte[] {0, 0, 0, 0}); // verify: 0 = client certificate verified (none sent)
    v.writeBytes(tlv(0x21, version.getBytes(StandardCharsets.US_ASCII)));
    v.writeBytes(tlv(0x23, cipher.getBytes(StandardCharsets.US_ASCII)));
    return tlv(0x20, v.toByteArray());
  }

  private static byte[] ip4(String ip) {
    String[] p = ip.split("\\.");
    return new byte[] {(byte) Integer.parseInt(p[0]), (byte) Integer.parseInt(p[1]), (byte) Integer.parseInt(p[2]),
        (byte) Integer.parseInt(p[3])};
  }

  /** What a raw exchange saw: the bytes read and whether the server closed the connection. */
  public record RawResult(String text, boolean closed) {
    public String statusLine() {
      int i = text.indexOf("\r\n");
      return i < 0 ? text : text.substring(0, i);
    }
  }

  /**
   * Connects, writes {@code parts} (pausing {@code pauseMs} between them), then reads until the server closes or
   * {@code readTimeoutMs} passes without data.
   */
  public static RawResult raw(int port, int pauseMs, int readTimeoutMs, byte[]... parts) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(readTimeoutMs);
      for (int i = 0; i < parts.length; i++) {
        try {
          s.getOutputStream().write(parts[i]);
          s.getOutputStream().flush();
        } catch (IOException e) {
          break; // the server may already have closed
        }
        if (pauseMs > 0 && i < parts.length - 1) {
          try {
            Thread.sleep(pauseMs);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      boolean closed = false;
      try {
        while (true) {
          int n = in.read(buf);
          if (n < 0) {
            closed = true;
            break;
          }
          out.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        closed = false;
      } catch (IOException e) {
        closed = true; // reset by peer
      }
      return new RawResult(out.toString(StandardCharsets.ISO_8859_1), closed);
    }
  }

  public static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A tiny cookie jar: name → value, fed from Set-Cookie headers. */
  public static final class CookieJar {
    private final Map<String, String> cookies = new java.util.LinkedHashMap<>();

    public synchronized void store(List<String> setCookies) {
      for (String sc : setCookies) {
        String nv = sc.split(";", 2)[0];
        int eq = nv.indexOf('=');
        if (eq > 0) {
          cookies.put(nv.substring(0, eq).trim(), nv.substring(eq + 1).trim());
        }
      }
    }

    public synchronized String header() {
      List<String> l = new ArrayList<>();
      cookies.forEach((k, v) -> l.add(k + "=" + v));
      return String.join("; ", l);
    }

    public synchronized String get(String name) {
      return cookies.get(name);
    }

    public synchronized void put(String name, String value) {
      cookies.put(name, value);
    }
  }
}
