package io.sslfarm.certs.sni;

import io.sslfarm.certs.store.ServedCertificate;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which certificate answers a TLS server name. Immutable: a change builds a new index ({@link #with},
 * {@link #without}) that its owner swaps in atomically, so a handshake always sees one consistent snapshot.
 *
 * <p>Lookup order, case-insensitive, one trailing dot ignored:
 * <ol>
 *   <li>an exact name ({@code www.example.com});</li>
 *   <li>a wildcard covering exactly one label: {@code *.example.com} matches {@code a.example.com}, not
 *       {@code example.com} nor {@code a.b.example.com} (RFC 6125 §6.4.3);</li>
 *   <li>the default certificate, if one is configured and stored; also used when the client sent no SNI.</li>
 * </ol>
 * When two certificates claim the same name, the one that expires last wins (ties: the smaller id), so adding a
 * renewed certificate under a new id takes over without removing the old one first.
 */
public final class SniIndex {

  private static final Comparator<ServedCertificate> PREFERRED = Comparator
      .comparingLong(ServedCertificate::notAfter).reversed().thenComparing(ServedCertificate::id);

  private final Map<String, ServedCertificate> byId;
  private final Map<String, ServedCertificate> exact;
  private final Map<String, ServedCertificate> wildcard; // key: the name after "*."
  private final String defaultId;

  private SniIndex(Map<String, ServedCertificate> byId, String defaultId) {
    this.byId = Map.copyOf(byId);
    this.defaultId = defaultId == null || defaultId.isBlank() ? null : defaultId;
    Map<String, ServedCertificate> ex = new HashMap<>();
    Map<String, ServedCertificate> wc = new HashMap<>();
    for (ServedCertificate c : byId.values()) {
      for (String raw : c.names()) {
        String n = normalize(raw);
        if (n.startsWith("*.") && n.length() > 2) {
          wc.merge(n.substring(2), c, SniIndex::preferred);
        } else if (!n.isEmpty()) {
          ex.merge(n, c, SniIndex::preferred);
        }
      }
    }
    this.exact = Map.copyOf(ex);
    this.wildcard = Map.copyOf(wc);
  }

  private static ServedCertificate preferred(ServedCertificate a, ServedCertificate b) {
    return PREFERRED.compare(a, b) <= 0 ? a : b;
  }

  /** An index with no certificates. */
  public static SniIndex empty(String defaultId) {
    return new SniIndex(Map.of(), defaultId);
  }

  /** An index of {@code certificates} (ids must be distinct). */
  public static SniIndex of(Collection<ServedCertificate> certificates, String defaultId) {
    Map<String, ServedCertificate> m = new HashMap<>();
    for (ServedCertificate c : certificates) {
      if (m.put(c.id(), c) != null) {
        throw new IllegalArgumentException("duplicate certificate id " + c.id());
      }
    }
    return new SniIndex(m, defaultId);
  }

  /** A new index with {@code certificate} added or replacing the one with its id. */
  public SniIndex with(ServedCertificate certificate) {
    Map<String, ServedCertificate> m = new HashMap<>(byId);
    m.put(certificate.id(), certificate);
    return new SniIndex(m, defaultId);
  }

  /** A new index without certificate {@code id} (this one if it had none). */
  public SniIndex without(String id) {
    if (!byId.containsKey(id)) {
      return this;
    }
    Map<String, ServedCertificate> m = new HashMap<>(byId);
    m.remove(id);
    return new SniIndex(m, defaultId);
  }

  /**
   * The certificate for a TLS server name; {@code serverName} null or empty (no SNI) gives the default. Empty when
   * nothing matches and there is no default. Allocation-light; safe on an event loop.
   */
  public Optional<ServedCertificate> select(String serverName) {
    return Optional.ofNullable(selectOrNull(serverName));
  }

  /** Like {@link #select} but null when nothing matches (for key managers). */
  public ServedCertificate selectOrNull(String serverName) {
    if (serverName != null && !serverName.isEmpty()) {
      String n = normalize(serverName);
      ServedCertificate c = exact.get(n);
      if (c != null) {
        return c;
      }
      int dot = n.indexOf('.');
      if (dot > 0 && dot < n.length() - 1) {
        c = wildcard.get(n.substring(dot + 1));
        if (c != null) {
          return c;
        }
      }
    }
    return defaultCertificate();
  }

  /** The configured default certificate if it is stored, else null. */
  public ServedCertificate defaultCertificate() {
    return defaultId == null ? null : byId.get(defaultId);
  }

  public Optional<String> defaultId() {
    return Optional.ofNullable(defaultId);
  }

  public Optional<ServedCertificate> byId(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The certificates, by id order. */
  public List<ServedCertificate> certificates() {
    return byId.values().stream().sorted(Comparator.comparing(ServedCertificate::id)).toList();
  }

  public int size() {
    return byId.size();
  }

  public boolean isEmpty() {
    return byId.isEmpty();
  }

  static String normalize(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  @Override
  public String toString() {
    return "SniIndex[certificates=" + byId.keySet() + ", default=" + defaultId + "]";
  }
}
