package io.sslfarm.ssl.testing;

import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/** Trusts every server certificate: test clients of self-signed test certificates only. */
public final class TrustAll implements X509TrustManager {

  public static final TrustAll INSTANCE = new TrustAll();

  private TrustAll() {
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) {
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) {
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
