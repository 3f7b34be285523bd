package io.sslfarm.ssl.tls;

import java.util.Optional;

/**
 * Where the tier gets its certificates: exact name, then wildcard, then the default certificate. Backed by the
 * cluster's certificate store in a farm node.
 *
 * <p>{@link #select} is called on an event loop for every handshake: it must be a local, non-blocking read.
 */
public interface CertificateSource {

  /**
   * The certificate for a TLS server name (lower case, may be null when the client sent no SNI): exact match, else
   * {@code *.parent} wildcard, else the default certificate; empty if there is none at all.
   */
  Optional<TlsCertificate> select(String serverName);

  /**
   * Registers a callback run (on any thread, must not block) after the set of certificates changed, so cached
   * contexts of replaced certificates can be dropped. Returns a handle that removes it.
   */
  AutoCloseable onChange(Runnable listener);
}
