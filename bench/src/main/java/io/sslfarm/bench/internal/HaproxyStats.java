package io.sslfarm.bench.internal;

import io.sslfarm.bench.HandshakeCounter;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.net.StandardProtocolFamily;

/**
 * HAProxy's own handshake counters from its admin socket ({@code show stat}; HAProxy 2.6: ssl_sess = new sessions =
 * full handshakes, ssl_reused_sess = resumed), summed over frontends. Same method as anchors/hastat.py.
 */
public final class HaproxyStats implements HandshakeCounter {

    private final Path socket;

    public HaproxyStats(Path socket) {
        this.socket = socket;
    }

    @Override
    public Counts read() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("show stat\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (ch.read(buf) >= 0) {
                buf.flip();
                sb.append(StandardCharsets.UTF_8.decode(buf));
                buf.clear();
            }
        }
        String[] lines = sb.toString().strip().split("\n");
        if (lines.length == 0 || !lines[0].startsWith("#")) throw new IOException("unexpected 'show stat' answer");
        String[] hdr = lines[0].replaceFirst("^# ?", "").split(",");
        int sv = idx(hdr, "svname"), full = idx(hdr, "ssl_sess"), res = idx(hdr, "ssl_reused_sess");
        if (sv < 0 || full < 0 || res < 0) throw new IOException("'show stat' has no ssl_sess/ssl_reused_sess columns");
        long f = 0, r = 0;
        for (int i = 1; i < lines.length; i++) {
            String[] c = lines[i].split(",", -1);
            if (c.length > Math.max(full, res) && "FRONTEND".equals(c[sv])) {
                f += parse(c[full]);
                r += parse(c[res]);
            }
        }
        return new Counts(f, r);
    }

    private static long parse(String s) {
        return s.isEmpty() ? 0 : Long.parseLong(s);
    }

    private static int idx(String[] hdr, String name) {
        for (int i = 0; i < hdr.length; i++) if (hdr[i].equals(name)) return i;
        return -1;
    }
}
