package io.sslfarm.router.internal;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured line per request on the SLF4J logger {@code sslfarm.access} (route it to its own appender):
 *
 * <pre>
 * kv:   time=2026-11-23T09:00:00.123Z conn=7 client=203.0.113.7 method=GET path=/cart status=200 bytes=512
 *       route=rule-0 pool=web upstream=web-2 duration_ms=1.42 request_id=4f..e1 sticky=hit
 * json: {"time":"…","conn":7,"client":"203.0.113.7","method":"GET","path":"/cart","status":200,…}
 * </pre>
 *
 * The path is logged without its query string (queries often carry tokens). {@code upstream} is {@code -} when the
 * router answered by itself.
 */
public final class AccessLog {

  public static final String LOGGER = "sslfarm.access";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private final boolean enabled;
  private final boolean json;

  public AccessLog(boolean enabled, String format) {
    this.enabled = enabled;
    this.json = "json".equals(format);
  }

  public boolean enabled() {
    return enabled && LOG.isInfoEnabled();
  }

  void log(long conn, String client, String method, String path, int status, long bytes, String route, String pool,
      String upstream, long durationNanos, String requestId, String sticky) {
    if (!enabled()) {
      return;
    }
    if (client == null || client.isEmpty()) {
      client = "-"; // PROXY LOCAL/UNSPEC: no client address (the backend got Forwarded: for=unknown)
    }
    String time = Instant.now().toString();
    double ms = durationNanos / 1e6;
    if (json) {
      LOG.info(new JsonObject().put("time", time).put("conn", conn).put("client", client).put("method", method)
          .put("path", path).put("status", status).put("bytes", bytes).put("route", route).put("pool", pool)
          .put("upstream", upstream).put("duration_ms", Math.round(ms * 1000) / 1000.0).put("request_id", requestId)
          .put("sticky", sticky).encode());
    } else {
      // one StringBuilder, no format strings: this runs once per request on the event loop
      StringBuilder b = new StringBuilder(192).append("time=").append(time).append(" conn=").append(conn)
          .append(" client=").append(client).append(" method=").append(method).append(" path=")
          .append(sanitize(path)).append(" status=").append(status).append(" bytes=").append(bytes)
          .append(" route=").append(route).append(" pool=").append(pool).append(" upstream=").append(upstream)
          .append(" duration_ms=");
      appendMillis(b, durationNanos).append(" request_id=").append(requestId).append(" sticky=").append(sticky);
      LOG.info(b.toString());
    }
  }

  /** Milliseconds with three decimals (microsecond resolution), as {@code String.format("%.3f")} would print them. */
  static StringBuilder appendMillis(StringBuilder b, long nanos) {
    long micros = Math.max(0, (nanos + 500) / 1000);
    long frac = micros % 1000;
    b.append(micros / 1000).append('.');
    if (frac < 100) {
      b.append(frac < 10 ? "00" : "0");
    }
    return b.append(frac);
  }

  /** Keeps a log line one line: no spaces or control characters from the request. */
  private static String sanitize(String s) {
    if (s == null) {
      return "-";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        if (b == null) {
          b = new StringBuilder(s.substring(0, i));
        }
        b.append(String.format("%%%02X", (int) c));
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }
}
