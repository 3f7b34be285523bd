package io.sslfarm.ssl.tls;

import io.sslfarm.certs.sni.CertificateWatcher;
import io.sslfarm.certs.store.ServedCertificate;
import java.util.Optional;

/**
 * Certificates from the cluster store through the certs module's {@link CertificateWatcher}: each lookup reads the
 * watcher's current {@code SniIndex} (a volatile read), so a certificate change reaches the next handshake as soon
 * as the watcher has swapped its index.
 */
public final class WatcherCertificateSource implements CertificateSource {

  private final CertificateWatcher watcher;

  public WatcherCertificateSource(CertificateWatcher watcher) {
    this.watcher = watcher;
  }

  @Override
  public Optional<TlsCertificate> select(String serverName) {
    return watcher.current().select(serverName).map(WatcherCertificateSource::toTls);
  }

  static TlsCertificate toTls(ServedCertificate c) {
    return new TlsCertificate(c.id(), c.key(), c.chain(), c.version());
  }

  @Override
  public AutoCloseable onChange(Runnable listener) {
    return watcher.addListener(index -> listener.run());
  }
}
