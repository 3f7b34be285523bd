package io.sslfarm.admin;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test PKI under {@code src/test/resources/admin-tls/}: {@code ca.pem} (a test CA), {@code admin.pem}/{@code admin.key}
 * (a leaf it signed for localhost and IP 127.0.0.1, valid 100 years), {@code other-ca.pem} (an unrelated CA).
 */
final class AdminTlsFixtures {

  private AdminTlsFixtures() {
  }

  static String resource(String name) throws Exception {
    try (InputStream in = AdminTlsFixtures.class.getResourceAsStream("/admin-tls/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  static AdminTlsCertificate serverCertificate() throws Exception {
    return new AdminTlsCertificate(resource("admin.pem"), resource("admin.key"), "test fixture");
  }

  /** A client that trusts only {@code caResource}, limited to {@code protocols} (none = the JDK's defaults). */
  static HttpClient clientTrusting(String caResource, String... protocols) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = AdminTlsFixtures.class.getResourceAsStream("/admin-tls/" + caResource)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    HttpClient.Builder b = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5));
    if (protocols.length > 0) {
      SSLParameters p = ctx.getDefaultSSLParameters();
      p.setProtocols(protocols);
      b.sslParameters(p);
    }
    return b.build();
  }
}
