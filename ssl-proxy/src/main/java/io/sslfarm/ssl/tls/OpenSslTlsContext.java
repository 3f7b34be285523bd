package io.sslfarm.ssl.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSslServerContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.internal.tcnative.SSL;
import io.sslfarm.ssl.SslOptions;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * netty-tcnative (BoringSSL) context for one certificate, built from (PrivateKey, chain): STACK-NOTES found that only
 * such a context actually resumes with tickets under keys set by {@code setTicketKeys} (one built from a
 * KeyManagerFactory decrypts the ticket and still does a full handshake).
 */
final class OpenSslTlsContext implements ServerTlsContext {

  private final TlsCertificate certificate;
  private final SslContext context;

  OpenSslTlsContext(TlsCertificate certificate, SslOptions options) throws SSLException {
    this.certificate = certificate;
    SslContextBuilder b = SslContextBuilder.forServer(certificate.key(), certificate.chain())
        .sslProvider(SslProvider.OPENSSL)
        .protocols(options.getProtocols())
        .ciphers(options.getCiphers(), SupportedCipherSuiteFilter.INSTANCE)
        .sessionTimeout(options.getTicketRotation().toSeconds());
    if (!options.getAlpn().isEmpty()) {
      b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, options.getAlpn()));
    }
    this.context = b.build();
    if (!options.isSessionTickets()) {
      ((OpenSslServerContext) context).sessionContext().setTicketKeys();
    }
  }

  @Override
  public TlsCertificate certificate() {
    return certificate;
  }

  @Override
  public TlsEngineKind kind() {
    return TlsEngineKind.OPENSSL;
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc) {
    return context.newEngine(alloc);
  }

  @Override
  public boolean isResumed(SSLEngine engine, long handshakeStartMillis) {
    if (engine instanceof ReferenceCountedOpenSslEngine e) {
      long ssl = e.sslPointer();
      if (ssl != 0) {
        return SSL.isSessionReused(ssl);
      }
    }
    return engine.getSession().getCreationTime() < handshakeStartMillis;
  }

  @Override
  public String applicationProtocol(SSLEngine engine) {
    String p = engine.getApplicationProtocol();
    return p == null || p.isEmpty() ? null : p;
  }

  @Override
  public void applyTicketKeys(TicketKeySet keys) {
    ((OpenSslServerContext) context).sessionContext().setTicketKeys(keys.toOpenSsl());
  }
}
