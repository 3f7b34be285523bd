package io.sslfarm.ssl.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * A JDK (SunJSSE) TLS client: optional raw bytes first (a PROXY header), then TLS with SNI and ALPN. Trusts any
 * certificate (tests check which one was served). Reads are bounded by a 5 s socket timeout.
 */
public final class JavaClient implements AutoCloseable {

  private final SSLSocket tls;

  private JavaClient(SSLSocket tls) {
    this.tls = tls;
  }

  public static JavaClient connect(int port, String serverName, String protocol, List<String> alpn, byte[] preamble)
      throws Exception {
    Socket raw = new Socket("127.0.0.1", port);
    raw.setSoTimeout(5000);
    if (preamble != null) {
      raw.getOutputStream().write(preamble);
      raw.getOutputStream().flush();
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {TrustAll.INSTANCE}, null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "127.0.0.1", port, true);
    SSLParameters p = s.getSSLParameters();
    if (serverName != null) {
      p.setServerNames(List.of(new SNIHostName(serverName)));
    }
    p.setProtocols(new String[] {protocol});
    if (alpn != null) {
      p.setApplicationProtocols(alpn.toArray(String[]::new));
    }
    s.setSSLParameters(p);
    s.startHandshake();
    return new JavaClient(s);
  }

  public String peerCn() throws Exception {
    X509Certificate c = (X509Certificate) tls.getSession().getPeerCertificates()[0];
    return c.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
  }

  public String applicationProtocol() {
    return tls.getApplicationProtocol();
  }

  public String protocol() {
    return tls.getSession().getProtocol();
  }

  /** Sends a request and reads one response (headers + Content-Length body). */
  public String request(String req) throws IOException {
    tls.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
    tls.getOutputStream().flush();
    InputStream in = tls.getInputStream();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int contentLength = -1;
    int headerEnd = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      buf.write(b);
      String s = buf.toString(StandardCharsets.US_ASCII);
      if (headerEnd < 0 && s.endsWith("\r\n\r\n")) {
        headerEnd = s.length();
        var m = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(s);
        contentLength = m.find() ? Integer.parseInt(m.group(1)) : 0;
      }
      if (headerEnd >= 0 && buf.size() >= headerEnd + contentLength) {
        break;
      }
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  /** One byte of plaintext from the server, or -1 at its close_notify / EOF (bounded by the 5 s socket timeout). */
  public int read() throws IOException {
    return tls.getInputStream().read();
  }

  @Override
  public void close() throws IOException {
    tls.close();
  }
}
