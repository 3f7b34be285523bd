package io.sslfarm.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A deliberately plain HTTPS/1.1 client on raw sockets: one connection per exchange ({@code Connection: close}), so
 * every failure is attributable to one connection (no pool, no hidden retry). SNI "localhost", the certificate is
 * verified against the farm's dev CA, host name included.
 */
final class HttpsClient {

  static final String SNI = "localhost";
  private final SSLContext context;

  /** Trusts only {@code caPem}. */
  HttpsClient(String caPem) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      int i = 0;
      for (Certificate c : cf.generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
        ks.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
    } catch (Exception e) {
      throw new IllegalStateException("cannot build the client TLS context", e);
    }
  }

  /** One response: status, X-Backend-Id, the sticky cookie if set, the server's leaf fingerprint. */
  record Response(int status, String backend, String setCookie, String fingerprint, SSLSession session) {
  }

  /** GET {@code path} through 127.0.0.1:{@code port}; throws on any connect, TLS or protocol failure. */
  Response get(int port, String path, String cookie, int timeoutMs) throws IOException {
    return exchange(port, null, path, cookie, timeoutMs, null);
  }

  /**
   * Like {@link #get}, but first writes {@code preface} in clear (a PROXY v2 header for a direct connection to an SSL
   * node), and offers only {@code protocol} (e.g. TLSv1.2) when not null.
   */
  Response exchange(int port, byte[] preface, String path, String cookie, int timeoutMs, String protocol)
      throws IOException {
    try (Socket raw = new Socket()) {
      raw.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeoutMs);
      raw.setSoTimeout(timeoutMs);
      raw.setTcpNoDelay(true);
      if (preface != null) {
        raw.getOutputStream().write(preface);
        raw.getOutputStream().flush();
      }
      try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, SNI, port, true)) {
        SSLParameters p = tls.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(List.of(new SNIHostName(SNI)));
        if (protocol != null) {
          p.setProtocols(new String[] {protocol});
        }
        tls.setSSLParameters(p);
        tls.startHandshake();
        SSLSession session = tls.getSession();
        String fp = fingerprint((X509Certificate) session.getPeerCertificates()[0]);
        if (path == null) {
          return new Response(0, null, null, fp, session);
        }
        OutputStream out = tls.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + SNI + "\r\nConnection: close\r\n"
            + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return parse(tls.getInputStream(), fp, session);
      }
    }
  }

  private static Response parse(InputStream in, String fp, SSLSession session) throws IOException {
    byte[] all = in.readAllBytes();
    String text = new String(all, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IOException("incomplete response (" + all.length + " bytes)");
    }
    String[] lines = text.substring(0, end).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
      throw new IOException("bad status line: " + lines[0]);
    }
    String backend = null;
    String setCookie = null;
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      if (c <= 0) {
        continue;
      }
      String name = lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT);
      String value = lines[i].substring(c + 1).trim();
      if (name.equals("x-backend-id")) {
        backend = value;
      } else if (name.equals("set-cookie") && setCookie == null) {
        setCookie = value.split(";", 2)[0];
      }
    }
    return new Response(Integer.parseInt(statusLine[1]), backend, setCookie, fp, session);
  }

  static String fingerprint(X509Certificate c) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** SHA-256 fingerprint of the first certificate of a PEM chain. */
  static String fingerprintOfPem(String pem) {
    try {
      List<Certificate> certs = new ArrayList<>(CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
      return fingerprint((X509Certificate) certs.get(0));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * PROXY protocol v2 header (spec §2.2), TCP over IPv4: as an edge would send it in front of a direct connection
   * to an SSL node.
   */
  static byte[] proxyV2Header(byte[] srcIp, int srcPort, byte[] dstIp, int dstPort) {
    ByteBuffer b = ByteBuffer.allocate(16 + 12);
    b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A}); // signature
    b.put((byte) 0x21); // version 2, command PROXY
    b.put((byte) 0x11); // AF_INET, STREAM
    b.putShort((short) 12); // address block: 4 + 4 + 2 + 2 bytes, no TLVs
    b.put(srcIp).put(dstIp);
    b.putShort((short) srcPort).putShort((short) dstPort);
    return b.array();
  }
}
