package io.sslfarm.certs.sni;

/**
 * Told when a {@link CertificateWatcher} swapped in a new {@link SniIndex}. Called on the cluster event thread that
 * delivered the change, one call at a time, after {@link CertificateWatcher#current()} already returns the new
 * index. Must not block: hop to an event loop ({@code context.runOnContext}) for anything that touches connections.
 */
@FunctionalInterface
public interface SniIndexListener {

  void indexChanged(SniIndex index);
}
