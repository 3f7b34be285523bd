package io.sslfarm.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpExchangeTest {

    private static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void contentLength_readsExactlyTheBody_andLeavesTheNextResponse() throws IOException {
        InputStream in = in("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Backend-Id: b1\r\n\r\nhelloHTTP/1.1 204 No Content\r\n\r\n");
        HttpExchange.Response r = HttpExchange.read(in, false);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("hello");
        assertThat(r.header("x-backend-id")).isEqualTo("b1");
        assertThat(r.keepAlive()).isTrue();
        assertThat(HttpExchange.read(in, false).status()).isEqualTo(204);
    }

    @Test
    void chunked_withExtensionAndTrailer() throws IOException {
        HttpExchange.Response r = HttpExchange.read(in("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4;ext=1\r\nback\r\n6\r\nend=b2\r\n0\r\nTrailer: x\r\n\r\n"), false);
        assertThat(r.bodyText()).isEqualTo("backend=b2");
        assertThat(r.bodyLength()).isEqualTo(10);
    }

    @Test
    void noLength_readsToEof_andForbidsReuse() throws IOException {
        HttpExchange.Response r = HttpExchange.read(in("HTTP/1.1 200 OK\r\n\r\nuntil close"), false);
        assertThat(r.bodyText()).isEqualTo("until close");
        assertThat(r.keepAlive()).isFalse();
    }

    @Test
    void connectionClose_andHttp10_areNotKeptAlive() throws IOException {
        assertThat(HttpExchange.read(in("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"), false).keepAlive()).isFalse();
        assertThat(HttpExchange.read(in("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), false).keepAlive()).isFalse();
        assertThat(HttpExchange.read(in("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"), false).keepAlive()).isTrue();
    }

    @Test
    void truncatedBody_andGarbage_fail() {
        assertThatThrownBy(() -> HttpExchange.read(in("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), false))
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> HttpExchange.read(in("SSH-2.0-OpenSSH\r\n"), false)).hasMessageContaining("bad status line");
        assertThatThrownBy(() -> HttpExchange.read(in(""), false)).hasMessageContaining("closed before a response");
    }

    @Test
    void request_carriesHostCookieAndClose() {
        String req = new String(HttpExchange.request("GET", "/x?y=1", "localhost:8443", List.of("X-A: b"), "SID=s1", true),
                StandardCharsets.ISO_8859_1);
        assertThat(req).startsWith("GET /x?y=1 HTTP/1.1\r\nHost: localhost:8443\r\n")
                .contains("Cookie: SID=s1\r\n", "Connection: close\r\n", "X-A: b\r\n").endsWith("\r\n\r\n");
    }
}
