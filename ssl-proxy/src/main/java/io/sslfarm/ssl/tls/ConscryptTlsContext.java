package io.sslfarm.ssl.tls;

import io.netty.buffer.ByteBufAllocator;
import io.sslfarm.ssl.SslOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;
import org.conscrypt.Conscrypt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conscrypt context for one certificate. Engines are configured directly through Conscrypt's API (ALPN list, session
 * tickets) and handed to Netty's {@code SslHandler} unwrapped: Netty's JDK ALPN wrapper is never involved, so the
 * "no ALPN → null → NullPointerException" trap of STACK-NOTES cannot occur; {@link #applicationProtocol} maps null
 * and "" to null.
 *
 * <p>Session tickets are off by default in Conscrypt and are turned on per engine; the ticket keys are BoringSSL's
 * random per-context keys, so a ticket resumes on this node (and this certificate version) only.
 */
final class ConscryptTlsContext implements ServerTlsContext {

  private static final Logger LOG = LoggerFactory.getLogger(ConscryptTlsContext.class);
  private static final Provider PROVIDER = Conscrypt.newProvider();
  private static final ReuseProbe REUSE = ReuseProbe.create();

  private final TlsCertificate certificate;
  private final SSLContext context;
  private final String[] protocols;
  private final String[] ciphers;
  private final String[] alpn;
  private final boolean tickets;

  ConscryptTlsContext(TlsCertificate certificate, SslOptions options) throws GeneralSecurityException {
    this.certificate = certificate;
    context = SSLContext.getInstance("TLS", PROVIDER);
    context.init(new KeyManager[] {new ServedKeyManager(nativeKey(certificate.key()), certificate.chain())}, null,
        null);
    int lifetime = (int) Math.min(Integer.MAX_VALUE, options.getTicketRotation().toSeconds());
    context.getServerSessionContext().setSessionTimeout(lifetime);
    Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
    this.ciphers = options.getCiphers().stream().filter(supported::contains).toArray(String[]::new);
    if (Arrays.stream(ciphers).noneMatch(c -> !c.startsWith("TLS_AES_") && !c.startsWith("TLS_CHACHA20_"))
        && options.getProtocols().contains("TLSv1.2")) {
      throw new GeneralSecurityException("none of ssl.ciphers " + options.getCiphers() + " is known to Conscrypt");
    }
    this.protocols = options.getProtocols().toArray(String[]::new);
    this.alpn = options.getAlpn().toArray(String[]::new);
    this.tickets = options.isSessionTickets();
  }

  /**
   * The key as Conscrypt's own (BoringSSL-backed) key object: Conscrypt uses such a key as it is, where a JDK key is
   * re-parsed from PKCS#8 on every handshake. Falls back to the given key if Conscrypt does not take it.
   */
  private static PrivateKey nativeKey(PrivateKey key) {
    try {
      return java.security.KeyFactory.getInstance(key.getAlgorithm(), PROVIDER)
          .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
    } catch (GeneralSecurityException | RuntimeException e) {
      LOG.debug("key kept as {} ({})", key.getClass().getSimpleName(), e.toString());
      return key;
    }
  }

  @Override
  public TlsCertificate certificate() {
    return certificate;
  }

  @Override
  public TlsEngineKind kind() {
    return TlsEngineKind.CONSCRYPT;
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc) {
    SSLEngine e = context.createSSLEngine();
    e.setUseClientMode(false);
    e.setEnabledProtocols(protocols);
    e.setEnabledCipherSuites(ciphers);
    Conscrypt.setUseSessionTickets(e, tickets);
    if (alpn.length > 0) {
      Conscrypt.setApplicationProtocols(e, alpn);
    }
    return e;
  }

  @Override
  public boolean isResumed(SSLEngine engine, long handshakeStartMillis) {
    Boolean r = REUSE.reused(engine);
    if (r != null) {
      return r;
    }
    // Fallback (TLS 1.2 only is reliable): a resumed session keeps its original creation time.
    SSLSession s = engine.getSession();
    return s.getCreationTime() < handshakeStartMillis;
  }

  @Override
  public String applicationProtocol(SSLEngine engine) {
    String p = Conscrypt.getApplicationProtocol(engine);
    return p == null || p.isEmpty() ? null : p;
  }

  @Override
  public void applyTicketKeys(TicketKeySet keys) {
    // Conscrypt 2.9.0 has no API for ticket keys (STACK-NOTES): resumption stays node-local.
  }

  /**
   * Serves one key and chain, handing Conscrypt the very key object given (a JDK {@code KeyStore} would give back a
   * JDK copy of it on every handshake). Conscrypt asks once per key type of the enabled suites: only the key's own
   * type gets the alias, so the chain is installed once per handshake.
   */
  private static final class ServedKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "served";
    private final PrivateKey key;
    private final X509Certificate[] chain;
    private final String keyType;

    ServedKeyManager(PrivateKey key, X509Certificate[] chain) {
      this.key = key;
      this.chain = chain.clone();
      this.keyType = chain[0].getPublicKey().getAlgorithm();
    }

    private String aliasFor(String type) {
      return type != null && (type.equals(keyType) || type.startsWith(keyType + "_")) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String type, Principal[] issuers, SSLEngine engine) {
      return aliasFor(type);
    }

    @Override
    public String chooseServerAlias(String type, Principal[] issuers, Socket socket) {
      return aliasFor(type);
    }

    @Override
    public String[] getServerAliases(String type, Principal[] issuers) {
      return aliasFor(type) == null ? null : new String[] {ALIAS};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? chain : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? key : null;
    }

    @Override
    public String[] getClientAliases(String type, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] types, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  /**
   * Reads BoringSSL's {@code SSL_session_reused} through Conscrypt internals: Conscrypt has no public API for it, and
   * the session creation time is rebased on TLS 1.3 resumption. If the internals change, {@link #reused} returns
   * null and the caller falls back to the creation-time check.
   */
  private record ReuseProbe(Field wrapperDelegate, Field engineSsl, Field nativeSslPointer, Method sessionReused) {

    static ReuseProbe create() {
      try {
        Class<?> wrapper = Class.forName("org.conscrypt.Java8EngineWrapper");
        Class<?> engine = Class.forName("org.conscrypt.ConscryptEngine");
        Class<?> nativeSsl = Class.forName("org.conscrypt.NativeSsl");
        Class<?> nativeCrypto = Class.forName("org.conscrypt.NativeCrypto");
        Field d = wrapper.getDeclaredField("delegate");
        Field s = engine.getDeclaredField("ssl");
        Field p = nativeSsl.getDeclaredField("ssl");
        Method m = nativeCrypto.getDeclaredMethod("SSL_session_reused", long.class, nativeSsl);
        for (java.lang.reflect.AccessibleObject o : List.of(d, s, p, m)) {
          o.setAccessible(true);
        }
        return new ReuseProbe(d, s, p, m);
      } catch (ReflectiveOperationException | RuntimeException e) {
        LOG.warn("Conscrypt internals not as expected ({}); resumed handshakes detected by session time", e.toString());
        return new ReuseProbe(null, null, null, null);
      }
    }

    Boolean reused(SSLEngine e) {
      if (sessionReused == null) {
        return null;
      }
      try {
        Object ce = wrapperDelegate.getDeclaringClass().isInstance(e) ? wrapperDelegate.get(e) : e;
        if (!engineSsl.getDeclaringClass().isInstance(ce)) {
          return null;
        }
        Object ns = engineSsl.get(ce);
        long ptr = nativeSslPointer.getLong(ns);
        if (ptr == 0) {
          return null;
        }
        return (Boolean) sessionReused.invoke(null, ptr, ns);
      } catch (ReflectiveOperationException | RuntimeException ex) {
        return null;
      }
    }
  }
}
