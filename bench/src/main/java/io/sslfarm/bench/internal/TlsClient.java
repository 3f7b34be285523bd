package io.sslfarm.bench.internal;

import io.sslfarm.bench.BenchOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.conscrypt.Conscrypt;

/**
 * Opens client connections with precise control of TLS sessions.
 *
 * <p>Each {@link SSLContext} has its own client session cache: {@link #newContext()} per connection means no session
 * can ever be offered (a truly full handshake); one context per virtual user means it offers the session it got last
 * time (what a browser does).
 *
 * <p>Whether a handshake was full or resumed is read from the certificate check: a server sends its certificate only
 * in a full handshake (RFC 8446 §2.2, RFC 5246 §7.3), so the trust manager runs exactly then. Handshakes run
 * synchronously on the calling thread with blocking sockets, so a thread-local flag ties the check to the handshake.
 */
public final class TlsClient {

    /**
     * Also provides Conscrypt's {@link TrustManagerFactory} ("PKIX"), which {@code --cacert} needs with this provider:
     * see {@link #trustManagerFor}.
     */
    private static final Provider CONSCRYPT = Conscrypt.newProviderBuilder().provideTrustManager(true).build();
    private static final String[] ALPN = {"http/1.1"};

    private final BenchOptions options;
    private final X509ExtendedTrustManager delegate;
    private final ThreadLocal<boolean[]> certificateSeen = ThreadLocal.withInitial(() -> new boolean[1]);
    private final X509ExtendedTrustManager recording;
    private final String[] protocols;

    public TlsClient(BenchOptions options) throws GeneralSecurityException, IOException {
        this.options = options;
        this.delegate = options.isInsecure() || options.getCaCert() == null ? null
                : trustManagerFor(options.getCaCert(), options.getProvider());
        this.recording = new RecordingTrustManager();
        this.protocols = options.getTlsVersion() == null ? new String[] {"TLSv1.3", "TLSv1.2"}
                : new String[] {"TLSv" + options.getTlsVersion()};
    }

    /** A new context with an empty session cache. */
    public SSLContext newContext() {
        try {
            SSLContext ctx = options.getProvider() == BenchOptions.Provider.CONSCRYPT
                    ? SSLContext.getInstance("TLS", CONSCRYPT) : SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {recording}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a TLS client context", e);
        }
    }

    /** Result of {@link #connect}: the socket and whether its handshake was full. */
    public record Connected(Socket socket, boolean tls, boolean fullHandshake, String protocol) {
    }

    /**
     * Connects and, for https, completes the handshake with {@code ctx}.
     *
     * @throws IOException with the phase in the message ("connect", "handshake")
     */
    public Connected connect(SSLContext ctx, String host, int port, String sni, int timeoutMillis) throws IOException {
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.setSoTimeout(timeoutMillis);
            plain.connect(new InetSocketAddress(host, port), timeoutMillis);
        } catch (IOException e) {
            closeQuietly(plain);
            throw new PhaseException("connect", e);
        }
        if (ctx == null) return new Connected(plain, false, false, null);
        SSLSocket ssl = null;
        try {
            // host/port given here key the client session cache and set SNI (not for IP literals)
            ssl = (SSLSocket) ctx.getSocketFactory().createSocket(plain, sni, port, true);
            ssl.setEnabledProtocols(protocols);
            SSLParameters p = ssl.getSSLParameters();
            p.setApplicationProtocols(ALPN);
            if (delegate != null) p.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(p);
            if (Conscrypt.isConscrypt(ssl)) {
                Conscrypt.setApplicationProtocols(ssl, ALPN);
                Conscrypt.setUseSessionTickets(ssl, true);
            }
            boolean[] seen = certificateSeen.get();
            seen[0] = false;
            ssl.startHandshake();
            boolean full = seen[0];
            return new Connected(ssl, true, full, ssl.getSession().getProtocol());
        } catch (IOException | RuntimeException e) {
            closeQuietly(ssl != null ? ssl : plain);
            throw new PhaseException("handshake", e);
        }
    }

    static void closeQuietly(Socket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a failed connection: nothing to report
        }
    }

    /**
     * A trust manager for the CA certificates in {@code pem}, from the same provider as the client's TLS engine.
     *
     * <p>It must come from that provider because the {@code authType} a TLS 1.3 handshake passes to
     * {@code checkServerTrusted} is not standardised: BoringSSL, and so Conscrypt, passes "GENERIC", SunJSSE
     * "UNKNOWN". SunJSSE's PKIX trust manager picks the key usage it requires of a CA-issued leaf from a fixed list of
     * auth types and throws "Unknown authType: GENERIC" for Conscrypt's (google/conscrypt#1033; a leaf that is itself
     * the trust anchor skips that check, which is why a self-signed {@code --cacert} worked). Conscrypt's own
     * TrustManagerImpl accepts it and, like SunJSSE's, verifies the host name (against the SNI name the socket was
     * created with) when the socket's endpoint identification algorithm is "HTTPS", which {@link #connect} sets.
     */
    static X509ExtendedTrustManager trustManagerFor(Path pem, BenchOptions.Provider provider)
            throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        Collection<? extends java.security.cert.Certificate> certs;
        try (InputStream in = Files.newInputStream(pem)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certs.isEmpty()) throw new CertificateException("cacert: no certificate in " + pem);
        int i = 0;
        for (java.security.cert.Certificate c : certs) ks.setCertificateEntry("ca" + i++, c);
        TrustManagerFactory tmf = provider == BenchOptions.Provider.CONSCRYPT
                ? TrustManagerFactory.getInstance("PKIX", CONSCRYPT)
                : TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) return x;
        }
        throw new CertificateException("no X509 trust manager");
    }

    /** Marks "certificate received" on the handshaking thread, then delegates (or accepts, with --insecure). */
    private final class RecordingTrustManager extends X509ExtendedTrustManager {
        private void mark() {
            certificateSeen.get()[0] = true;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            mark();
            if (delegate != null) delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            mark();
            if (delegate != null) delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            mark();
            if (delegate != null) delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate != null ? delegate.getAcceptedIssuers() : new X509Certificate[0];
        }
    }

    /** An I/O failure tagged with the phase it happened in. */
    public static final class PhaseException extends IOException {
        private final String phase;

        public PhaseException(String phase, Throwable cause) {
            super(phase + ": " + cause, cause);
            this.phase = phase;
        }

        public String phase() {
            return phase;
        }
    }
}
