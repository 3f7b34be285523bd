package io.sslfarm.bench;

import java.io.IOException;

/** A server's own count of full and resumed TLS handshakes, read before and after a run. */
public interface HandshakeCounter {

    record Counts(long full, long resumed) {
        public Counts minus(Counts o) {
            return new Counts(full - o.full, resumed - o.resumed);
        }
    }

    Counts read() throws IOException;
}
