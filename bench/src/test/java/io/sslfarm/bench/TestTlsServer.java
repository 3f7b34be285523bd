package io.sslfarm.bench;

import io.sslfarm.bench.internal.SelfSignedCert;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A JDK TLS server on 127.0.0.1 with its own count of full and resumed handshakes: the server's key manager is asked
 * for a certificate only in a full handshake (a resumed one sends no Certificate message, RFC 8446 §2.2), and the
 * handshake runs on the connection's own thread, so a thread-local flag classifies each handshake.
 *
 * <p>HTTP/1.1 keep-alive answers {@code backend=<id>} in the body and {@code X-Backend-Id}; a new client gets a cookie
 * {@code SID} and a backend chosen round-robin from {@code backendIds}; {@link #injectViolation} makes the server answer
 * another id for one session after N requests.
 */
final class TestTlsServer implements HandshakeCounter, AutoCloseable {

    /** The self-signed certificate served, or null when the server was given a CA-issued chain. */
    final SelfSignedCert cert;
    private final SSLServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-tls-server");
        t.setDaemon(true);
        return t;
    });
    private final ThreadLocal<boolean[]> keyChosen = ThreadLocal.withInitial(() -> new boolean[1]);
    final AtomicLong full = new AtomicLong();
    final AtomicLong resumed = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    private final String[] backendIds;
    private final boolean idInHeader;
    private final AtomicInteger nextSession = new AtomicInteger();
    private final Map<String, String> sessionBackend = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> sessionRequests = new ConcurrentHashMap<>();
    private volatile String victim;
    private volatile long victimAfter = Long.MAX_VALUE;
    private volatile boolean running = true;
    /** Added before every response, milliseconds. */
    volatile long delayMillis;
    private final java.util.Set<Socket> open = ConcurrentHashMap.newKeySet();

    /** Serves a fresh self-signed certificate for localhost (trust it with {@link #writeCa}). */
    TestTlsServer(String[] backendIds, boolean idInHeader, String... protocols) throws Exception {
        this(SelfSignedCert.generate("localhost"), null, null, backendIds, idInHeader, protocols);
    }

    /**
     * Serves {@code chain} (leaf first, e.g. issued by a {@code DevCa}) with {@code key}: the client must trust the
     * issuing CA, not the leaf itself, which is what {@code sslfarm up}'s farm looks like to {@code --cacert}.
     */
    TestTlsServer(List<X509Certificate> chain, PrivateKey key, String[] backendIds, boolean idInHeader,
            String... protocols) throws Exception {
        this(null, chain, key, backendIds, idInHeader, protocols);
    }

    private TestTlsServer(SelfSignedCert selfSigned, List<X509Certificate> chain, PrivateKey key, String[] backendIds,
            boolean idInHeader, String... protocols) throws Exception {
        this.backendIds = backendIds;
        this.idInHeader = idInHeader;
        cert = selfSigned;
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        if (selfSigned != null) {
            ks.setKeyEntry("k", selfSigned.keyPair().getPrivate(), new char[0],
                    new X509Certificate[] {selfSigned.certificate()});
        } else {
            ks.setKeyEntry("k", key, new char[0], chain.toArray(new X509Certificate[0]));
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, new char[0]);
        X509ExtendedKeyManager km = new CountingKeyManager((X509ExtendedKeyManager) kmf.getKeyManagers()[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new javax.net.ssl.KeyManager[] {km}, null, null);
        server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 200, InetAddress.getLoopbackAddress());
        if (protocols.length > 0) server.setEnabledProtocols(protocols);
        Thread acceptor = new Thread(this::acceptLoop, "test-tls-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    String url() {
        return "https://localhost:" + port() + "/";
    }

    Path writeCa(Path dir) throws Exception {
        if (cert == null) throw new IllegalStateException("serving a CA-issued chain: trust its CA, not the leaf");
        cert.writeTo(dir);
        return dir.resolve("cert.pem");
    }

    /** The first session created answers another backend id from its (n+1)-th request on. */
    void injectViolation(long n) {
        victim = "s0";
        victimAfter = n;
    }

    @Override
    public Counts read() {
        return new Counts(full.get(), resumed.get());
    }

    private void acceptLoop() {
        while (running) {
            try {
                Socket s = server.accept();
                open.add(s);
                pool.execute(() -> serve((SSLSocket) s));
            } catch (IOException e) {
                if (!running) return;
            }
        }
    }

    private void serve(SSLSocket s) {
        try (s) {
            s.setSoTimeout(10_000);
            keyChosen.get()[0] = false;
            s.startHandshake();
            if (keyChosen.get()[0]) full.incrementAndGet();
            else resumed.incrementAndGet();
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String cookie = null;
                boolean close = false;
                String line = readLine(in);
                if (line == null || line.isEmpty()) return;
                for (String h; (h = readLine(in)) != null && !h.isEmpty(); ) {
                    String lower = h.toLowerCase();
                    if (lower.startsWith("cookie:")) cookie = h.substring(7).trim();
                    if (lower.startsWith("connection:") && lower.contains("close")) close = true;
                }
                requests.incrementAndGet();
                if (delayMillis > 0) {
                    try {
                        Thread.sleep(delayMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                String sid = null;
                if (cookie != null) {
                    for (String c : cookie.split(";")) {
                        if (c.trim().startsWith("SID=")) sid = c.trim().substring(4);
                    }
                }
                String setCookie = "";
                if (sid == null || !sessionBackend.containsKey(sid)) {
                    int n = nextSession.getAndIncrement();
                    sid = "s" + n;
                    sessionBackend.put(sid, backendIds[n % backendIds.length]);
                    setCookie = "Set-Cookie: SID=" + sid + "; Path=/; HttpOnly\r\n";
                }
                long count = sessionRequests.computeIfAbsent(sid, k -> new AtomicLong()).incrementAndGet();
                String id = sessionBackend.get(sid);
                if (sid.equals(victim) && count > victimAfter) id = id + "-other";
                String body = "backend=" + id + "\n";
                String resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n"
                        + (idInHeader ? "X-Backend-Id: " + id + "\r\n" : "") + setCookie
                        + (close ? "Connection: close\r\n" : "") + "\r\n" + body;
                out.write(resp.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (close) return;
            }
        } catch (SocketException ignored) {
            // client went away
        } catch (IOException ignored) {
            // handshake failures and resets end this connection only
        } finally {
            open.remove(s);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') return sb.toString().replace("\r", "");
            sb.append((char) b);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    @Override
    public void close() throws IOException {
        running = false;
        server.close();
        for (Socket s : open) s.close();   // like a killed process: every connection drops
        pool.shutdownNow();
    }

    /** Marks "a certificate was chosen" on the handshaking thread. */
    private final class CountingKeyManager extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager d;

        CountingKeyManager(X509ExtendedKeyManager d) {
            this.d = d;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            keyChosen.get()[0] = true;
            return d.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            keyChosen.get()[0] = true;
            return d.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return d.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return d.getServerAliases(keyType, issuers);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return d.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return d.getPrivateKey(alias);
        }
    }
}
