package io.sslfarm.bench.scenario;

import io.sslfarm.bench.internal.CookieJar;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import javax.net.ssl.SSLContext;

/** One simulated client: its TLS context (session cache), cookie jar, open connection and first backend. */
public final class VirtualUser {

    final int id;
    final CookieJar cookies = new CookieJar();
    SSLContext context;
    Socket socket;
    InputStream in;
    OutputStream out;
    boolean hadSession;
    String firstBackend;
    long requests;

    public VirtualUser(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public String firstBackend() {
        return firstBackend;
    }

    public long requests() {
        return requests;
    }
}
