package io.sslfarm.bench.internal;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client exchange over an open stream (RFC 9112): writes one request, reads one response with
 * Content-Length, chunked or read-until-close framing. Keeps at most {@link #BODY_KEEP} bytes of the body.
 */
public final class HttpExchange {

    public static final int BODY_KEEP = 16 * 1024;
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    /** A parsed response. {@code keepAlive} false means the connection must not be reused. */
    public record Response(int status, List<String[]> headers, byte[] body, long bodyLength, boolean keepAlive) {
        public String header(String name) {
            for (String[] h : headers) if (h[0].equalsIgnoreCase(name)) return h[1];
            return null;
        }

        public List<String> headers(String name) {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) if (h[0].equalsIgnoreCase(name)) out.add(h[1]);
            return out;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private HttpExchange() {
    }

    public static byte[] request(String method, String target, String hostHeader, List<String> headers, String cookie, boolean close) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(hostHeader)
                .append("\r\nUser-Agent: sslfarm-bench\r\nAccept: */*\r\n");
        if (cookie != null && !cookie.isEmpty()) sb.append("Cookie: ").append(cookie).append("\r\n");
        if (close) sb.append("Connection: close\r\n");
        for (String h : headers) sb.append(h).append("\r\n");
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    public static Response exchange(OutputStream out, InputStream in, byte[] request, boolean head) throws IOException {
        out.write(request);
        out.flush();
        return read(in, head);
    }

    static Response read(InputStream in, boolean head) throws IOException {
        String status = line(in);
        if (!status.startsWith("HTTP/1.")) throw new IOException("bad status line: " + abbreviate(status));
        String[] parts = status.split(" ", 3);
        int code;
        try {
            code = Integer.parseInt(parts[1]);
        } catch (RuntimeException e) {
            throw new IOException("bad status line: " + abbreviate(status));
        }
        boolean http10 = status.startsWith("HTTP/1.0");
        List<String[]> headers = new ArrayList<>();
        int total = 0;
        for (String l; !(l = line(in)).isEmpty(); ) {
            total += l.length();
            if (total > MAX_HEADER_BYTES) throw new IOException("response headers too long");
            int c = l.indexOf(':');
            if (c <= 0) throw new IOException("bad header line: " + abbreviate(l));
            headers.add(new String[] {l.substring(0, c).trim(), l.substring(c + 1).trim()});
        }
        String connection = value(headers, "Connection");
        boolean keepAlive = connection == null ? !http10 : !connection.toLowerCase(Locale.ROOT).contains("close")
                && (!http10 || connection.toLowerCase(Locale.ROOT).contains("keep-alive"));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long length;
        String te = value(headers, "Transfer-Encoding");
        String cl = value(headers, "Content-Length");
        if (head || code == 204 || code == 304 || code / 100 == 1) {
            length = 0;
        } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            length = 0;
            while (true) {
                String size = line(in);
                int semi = size.indexOf(';');
                long n;
                try {
                    n = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size: " + abbreviate(size));
                }
                if (n == 0) {
                    while (!line(in).isEmpty()) { /* trailers */ }
                    break;
                }
                copy(in, body, n);
                length += n;
                if (!line(in).isEmpty()) throw new IOException("chunk not followed by CRLF");
            }
        } else if (cl != null) {
            try {
                length = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + abbreviate(cl));
            }
            copy(in, body, length);
        } else {
            length = copy(in, body, Long.MAX_VALUE);
            keepAlive = false;
        }
        return new Response(code, headers, body.toByteArray(), length, keepAlive);
    }

    private static String value(List<String[]> headers, String name) {
        for (String[] h : headers) if (h[0].equalsIgnoreCase(name)) return h[1];
        return null;
    }

    /** Copies up to n bytes (to EOF when n is Long.MAX_VALUE), keeping the first BODY_KEEP. */
    private static long copy(InputStream in, ByteArrayOutputStream keep, long n) throws IOException {
        byte[] buf = new byte[8192];
        long done = 0;
        while (done < n) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                if (n == Long.MAX_VALUE) return done;
                throw new EOFException("connection closed in the body after " + done + " of " + n + " bytes");
            }
            int k = (int) Math.min(r, Math.max(0, BODY_KEEP - keep.size()));
            if (k > 0) keep.write(buf, 0, k);
            done += r;
        }
        return done;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException(sb.length() == 0 ? "connection closed before a response" : "connection closed in a header");
            }
            if (b == '\n') break;
            if (sb.length() > 8192) throw new IOException("header line too long");
            sb.append((char) b);
        }
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') sb.setLength(len - 1);
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
