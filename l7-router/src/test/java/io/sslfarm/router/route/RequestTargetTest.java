package io.sslfarm.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.router.route.RequestTarget.Problem;
import io.sslfarm.router.route.RequestTarget.Result;
import org.junit.jupiter.api.Test;

class RequestTargetTest {

  private static String norm(String p) {
    return RequestTarget.normalizePath(p);
  }

  @Test
  void unreservedEscapesDecoded_reservedKeptUpperCased() {
    assertThat(norm("/%61pi/%7Euser/%2d%2E%5f")).isEqualTo("/api/~user/-._");
    assertThat(norm("/a%2fb")).isEqualTo("/a%2Fb");
    assertThat(norm("/a%2Fb/%3f%25%20")).isEqualTo("/a%2Fb/%3F%25%20");
    assertThat(norm("/caf%c3%a9")).isEqualTo("/caf%C3%A9");
  }

  @Test
  void dotSegmentsRemoved_slashesMerged() {
    assertThat(norm("/")).isEqualTo("/");
    assertThat(norm("/a/b")).isEqualTo("/a/b");
    assertThat(norm("/a/b/")).isEqualTo("/a/b/");
    assertThat(norm("/a/./b")).isEqualTo("/a/b");
    assertThat(norm("/a/b/../c")).isEqualTo("/a/c");
    assertThat(norm("/a/b/..")).isEqualTo("/a/");
    assertThat(norm("/a/.")).isEqualTo("/a/");
    assertThat(norm("/a/..")).isEqualTo("/");
    assertThat(norm("//a///b//")).isEqualTo("/a/b/");
    assertThat(norm("/x/%2e%2E/api")).isEqualTo("/api");
    assertThat(norm("/x/.%2e/./api")).isEqualTo("/api");
    assertThat(norm("/a/...")).isEqualTo("/a/...");
    assertThat(norm("/a/..b/.c")).isEqualTo("/a/..b/.c");
    assertThat(norm("/a%2F..%2Fb")).isEqualTo("/a%2F..%2Fb"); // an encoded slash is no separator
  }

  @Test
  void invalid_null() {
    assertThat(norm("/../x")).isNull();
    assertThat(norm("/..")).isNull();
    assertThat(norm("/a/../../x")).isNull();
    assertThat(norm("/%2e%2e/x")).isNull();
    assertThat(norm("//../x")).isNull();
    assertThat(norm("/a%00b")).isNull();
    assertThat(norm("/a%zzb")).isNull();
    assertThat(norm("/a%4")).isNull();
    assertThat(norm("/a%")).isNull();
    assertThat(norm("a/b")).isNull();
    assertThat(norm("")).isNull();
  }

  @Test
  void originForm_queryKeptAsSent() {
    Result r = RequestTarget.parse("/a/../%62?x=%2e%2e&y=/..", "h");
    assertThat(r.ok()).isTrue();
    assertThat(r.path()).isEqualTo("/b");
    assertThat(r.uri()).isEqualTo("/b?x=%2e%2e&y=/..");
    assertThat(r.authority()).isNull();
  }

  @Test
  void absoluteForm_sameAuthority_forwardedInOriginForm() {
    Result r = RequestTarget.parse("http://Public:80/x/./y?q=1", "public");
    assertThat(r.ok()).isTrue();
    assertThat(r.uri()).isEqualTo("/x/y?q=1");
    assertThat(r.authority()).isEqualTo("Public:80");
    assertThat(RequestTarget.parse("https://a.example/p", "A.EXAMPLE:443").uri()).isEqualTo("/p");
    assertThat(RequestTarget.parse("HTTP://a:8080", "a:8080").uri()).isEqualTo("/");
    assertThat(RequestTarget.parse("http://a?x", "a").uri()).isEqualTo("/?x");
    assertThat(RequestTarget.parse("http://[::1]:80/p", "[::1]").uri()).isEqualTo("/p");
    assertThat(RequestTarget.parse("http://a/p", null).ok()).isTrue(); // HTTP/1.0 without Host
  }

  @Test
  void absoluteForm_otherAuthority_mismatch() {
    assertThat(RequestTarget.parse("http://internal/admin", "public").problem()).isEqualTo(Problem.AUTHORITY_MISMATCH);
    assertThat(RequestTarget.parse("http://a:8080/", "a").problem()).isEqualTo(Problem.AUTHORITY_MISMATCH);
    assertThat(RequestTarget.parse("https://a/", "a:80").problem()).isEqualTo(Problem.AUTHORITY_MISMATCH);
    assertThat(RequestTarget.parse("http://a/", "a:").ok()).isTrue();
  }

  @Test
  void invalidTargets() {
    assertThat(RequestTarget.parse("ftp://a/x", "a").problem()).isEqualTo(Problem.INVALID);
    assertThat(RequestTarget.parse("file:///etc/passwd", "a").problem()).isEqualTo(Problem.INVALID);
    assertThat(RequestTarget.parse("http://user@a/x", "a").problem()).isEqualTo(Problem.INVALID);
    assertThat(RequestTarget.parse("http:///x", "a").problem()).isEqualTo(Problem.INVALID);
    assertThat(RequestTarget.parse("http://a:x/", "a").problem()).isEqualTo(Problem.INVALID);
    assertThat(RequestTarget.parse("http://a/../x", "a").problem()).isEqualTo(Problem.INVALID);
    assertThat(RequestTarget.parse("a.example:443", "a").problem()).isEqualTo(Problem.INVALID);
    assertThat(RequestTarget.parse("/x#frag", "a").problem()).isEqualTo(Problem.INVALID);
    assertThat(RequestTarget.parse("/%00", "a").problem()).isEqualTo(Problem.INVALID);
    assertThat(RequestTarget.parse("*", "a").uri()).isEqualTo("*");
  }
}
