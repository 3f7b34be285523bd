package io.sslfarm.ssl.testing;

import io.sslfarm.ssl.tls.CertificateSource;
import io.sslfarm.ssl.tls.TlsCertificate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A test {@link CertificateSource}: names (exact or {@code *.parent}) → certificate, plus a default. */
public final class MapCertificateSource implements CertificateSource {

  private final Map<String, TlsCertificate> byName = new ConcurrentHashMap<>();
  private volatile TlsCertificate fallback;
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

  public MapCertificateSource put(TlsCertificate c, String... names) {
    for (String n : names) {
      byName.put(n, c);
    }
    listeners.forEach(Runnable::run);
    return this;
  }

  public MapCertificateSource defaultCertificate(TlsCertificate c) {
    fallback = c;
    listeners.forEach(Runnable::run);
    return this;
  }

  @Override
  public Optional<TlsCertificate> select(String serverName) {
    if (serverName != null) {
      TlsCertificate c = byName.get(serverName);
      if (c != null) {
        return Optional.of(c);
      }
      int dot = serverName.indexOf('.');
      if (dot > 0) {
        c = byName.get("*" + serverName.substring(dot));
        if (c != null) {
          return Optional.of(c);
        }
      }
    }
    return Optional.ofNullable(fallback);
  }

  @Override
  public AutoCloseable onChange(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
