package io.sslfarm.router.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.router.RouterFixture;
import io.sslfarm.router.affinity.LocalSessionTable;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 requests carry no Content-Length when they have no body; the router must not turn them into chunked
 * HTTP/1.1 requests upstream (a GET with {@code Transfer-Encoding: chunked} upsets many backends), and a body sent
 * without Content-Length must still arrive whole.
 */
class Http2ForwardingTest {

  private Vertx vertx;
  private RouterEngine router;
  private HttpClient h2;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    router = RouterFixture.router(vertx, RouterFixture.directOptions(),
        RouterFixture.config(RouterFixture.pool("none", false, RouterFixture.backend(vertx, "b0", false))),
        LocalSessionTable::new);
    h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private JsonObject echo(HttpMethod method, Buffer body) {
    RequestOptions ro = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(router.port())
        .setURI("/echo");
    return h2.request(ro).compose(r -> (body == null ? r.send() : r.send(body)).compose(resp -> {
      assertThat(resp.version()).isEqualTo(HttpVersion.HTTP_2);
      assertThat(resp.statusCode()).isEqualTo(200);
      return resp.body();
    })).map(Buffer::toJsonObject).await();
  }

  @Test
  void getAndDeleteWithoutBody_goUpstreamWithoutTransferEncoding() {
    for (HttpMethod m : new HttpMethod[] {HttpMethod.GET, HttpMethod.DELETE}) {
      JsonObject headers = echo(m, null).getJsonObject("headers");
      assertThat(headers.fieldNames()).as(m + " upstream headers").doesNotContain("transfer-encoding");
      assertThat(headers.getString("content-length", "0")).isEqualTo("0");
    }
  }

  @Test
  void bodiesWithoutContentLength_arriveWhole() {
    Buffer payload = Buffer.buffer("x".repeat(100_000));
    JsonObject post = echo(HttpMethod.POST, payload);
    JsonObject delete = echo(HttpMethod.DELETE, Buffer.buffer("bye"));
    assertThat(post.getString("body")).hasSize(100_000);
    assertThat(delete.getString("body")).isEqualTo("bye");
    assertThat(delete.getJsonObject("headers").getString("content-length")).isEqualTo("3");
  }
}
