package io.sslfarm.certs.store;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertificateRejectedException.Reason;
import java.util.Locale;
import java.util.regex.Pattern;

/** Certificate ids: {@code [a-z0-9._-]{1,64}}, by default derived from the first name of the certificate. */
public final class CertificateIds {

  public static final String RULE = "1 to 64 characters of a-z, 0-9, '.', '_' and '-'";
  private static final Pattern VALID = Pattern.compile("[a-z0-9._-]{1,64}");
  private static final int MAX = 64;

  private CertificateIds() {
  }

  public static boolean isValid(String id) {
    return id != null && VALID.matcher(id).matches();
  }

  /** Returns {@code id} if valid. */
  public static String check(String id) throws CertificateRejectedException {
    if (!isValid(id)) {
      throw new CertificateRejectedException(Reason.BAD_ID, "certificate id '" + abbreviate(id) + "' is invalid ("
          + RULE + ")");
    }
    return id;
  }

  /**
   * An id from a DNS name: lower case, {@code *.} becomes {@code wildcard.}, any other character outside the id
   * alphabet becomes {@code -}, cut to 64 characters. {@code *.example.com} → {@code wildcard.example.com}.
   */
  public static String fromName(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (n.endsWith(".")) {
      n = n.substring(0, n.length() - 1);
    }
    if (n.startsWith("*.")) {
      n = "wildcard." + n.substring(2);
    }
    StringBuilder sb = new StringBuilder(Math.min(n.length(), MAX));
    for (int i = 0; i < n.length() && sb.length() < MAX; i++) {
      char c = n.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      sb.append(ok ? c : '-');
    }
    return sb.length() == 0 ? "cert" : sb.toString();
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }
}
