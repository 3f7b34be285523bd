package io.sslfarm.certs.store;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.pem.PemCodec;
import io.sslfarm.certs.validate.CertificateValidator;
import io.sslfarm.certs.validate.ValidatedCertificate;
import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.CertificateTable;
import io.sslfarm.cluster.NodeDirectory;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import io.sslfarm.cluster.seal.SecretSealer;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate store as the admin API, the CLI (through the admin API) and the SSL tier see it.
 *
 * <pre>
 *   add(chain PEM, key PEM) ─▶ validate ─▶ CertificateTable.put: version ─▶ seal PKCS#8 key (AAD: the record's metadata)
 *                                                                                 │ entry events
 *   SSL nodes: CertificateWatcher ─▶ open (unseal) ─▶ SniIndex ◀──────────────────┘
 * </pre>
 *
 * <p>Threading: {@link #add} validates on the caller's thread (CPU work: PEM decoding, signatures, PBKDF for
 * encrypted keys; call it from a worker, never an event loop) and completes on a cluster thread. {@link #list()} and
 * {@link #get} read local snapshots and may run anywhere. Nothing is stored unless every check passed, and a
 * replacement swaps the whole record at once.
 */
public final class CertificateService {

  private static final Logger log = LoggerFactory.getLogger(CertificateService.class);

  private final CertificateTable table;
  private final NodeDirectory nodes;
  private final CertificateValidator validator;
  private final CertificateOpener opener;
  private final CertsMetrics metrics;
  private final Clock clock;

  public CertificateService(CertificateTable table, NodeDirectory nodes, SecretSealer sealer,
                            CertificateValidator validator, CertsMetrics metrics, Clock clock) {
    this.table = table;
    this.nodes = nodes;
    this.validator = validator;
    this.opener = new CertificateOpener(sealer);
    this.metrics = metrics;
    this.clock = clock;
  }

  public CertificateService(CertificateTable table, NodeDirectory nodes, SecretSealer sealer, int expiryWarningDays,
                            CertsMetrics metrics) {
    this(table, nodes, sealer, new CertificateValidator(expiryWarningDays, Clock.systemUTC()), metrics,
        Clock.systemUTC());
  }

  /**
   * Validates, seals and stores a certificate. Fails (never throws) with {@link CertificateRejectedException} when
   * the input is refused; nothing is stored then.
   *
   * @param id         certificate id, or null/empty for one derived from the first name
   * @param chainPem   the chain, leaf first
   * @param keyPem     the leaf's private key (PKCS#8, PKCS#1, SEC1 or encrypted PKCS#8)
   * @param passphrase for an encrypted key; null otherwise. Not retained.
   */
  public CompletionStage<CertificateAdded> add(String id, String chainPem, String keyPem, char[] passphrase) {
    ValidatedCertificate v;
    try {
      v = validator.validate(chainPem, keyPem, passphrase);
    } catch (CertificateRejectedException e) {
      return rejected(e);
    }
    return add(id, v);
  }

  /** Stores an already validated certificate (e.g. just generated). */
  public CompletionStage<CertificateAdded> add(String id, ValidatedCertificate v) {
    String certId;
    try {
      certId = id == null || id.isBlank() ? CertificateIds.fromName(v.names().get(0)) : CertificateIds.check(id);
    } catch (CertificateRejectedException e) {
      return rejected(e);
    }
    String chainPem = PemCodec.writeCertificates(v.chain());
    AtomicBoolean replaced = new AtomicBoolean();
    // The version is part of the seal's associated data: sealed by the table's builder once the version is known.
    CompletionStage<CertificateRecord> put = table.put(certId, (version, replacing) -> {
      replaced.set(replacing);
      CertificateRecord unsealed = new CertificateRecord(certId, chainPem, new byte[0], v.names(),
          v.notBefore().toEpochMilli(), v.notAfter().toEpochMilli(), v.fingerprint(), version);
      byte[] pkcs8 = v.key().getEncoded();
      try {
        return new CertificateRecord(certId, chainPem, opener.seal(pkcs8, unsealed), v.names(),
            unsealed.notBefore(), unsealed.notAfter(), v.fingerprint(), version);
      } finally {
        Arrays.fill(pkcs8, (byte) 0);
      }
    });
    return put.thenApply(stored -> {
      log.info("certificate {} stored: version {}, names {}, expires {}, fingerprint {}", stored.id(),
          stored.version(), stored.names(), Instant.ofEpochMilli(stored.notAfter()), stored.fingerprint());
      return new CertificateAdded(summarize(stored), v.warnings(), replaced.get());
    });
  }

  /** Every stored certificate, by id. Local snapshot; never blocks. */
  public List<CertificateSummary> list() {
    List<String> served = servingNodes();
    return table.snapshot().values().stream().sorted(Comparator.comparing(CertificateRecord::id))
        .map(r -> summarize(r, served)).toList();
  }

  public Optional<CertificateSummary> get(String id) {
    CertificateRecord r = table.snapshot().get(id);
    return r == null ? Optional.empty() : Optional.of(summarize(r));
  }

  /** The stored chain PEM of a certificate (public). */
  public Optional<String> chainPem(String id) {
    return Optional.ofNullable(table.snapshot().get(id)).map(CertificateRecord::chainPem);
  }

  /** Removes a certificate; completes with false if there was none. */
  public CompletionStage<Boolean> remove(String id) {
    if (!CertificateIds.isValid(id)) {
      return CompletableFuture.completedFuture(false);
    }
    return table.remove(id).thenApply(removed -> {
      if (removed) {
        log.info("certificate {} removed", id);
      }
      return removed;
    });
  }

  /** Opens a record with this node's master key; see {@link CertificateOpener#open}. */
  public ServedCertificate open(CertificateRecord record) throws CertificateRejectedException {
    return opener.open(record);
  }

  public CertificateTable table() {
    return table;
  }

  public Clock clock() {
    return clock;
  }

  private CompletionStage<CertificateAdded> rejected(CertificateRejectedException e) {
    metrics.rejected(e.reason());
    log.info("certificate refused ({}): {}", e.reason().tag(), e.getMessage());
    return CompletableFuture.failedFuture(e);
  }

  private List<String> servingNodes() {
    return nodes.nodes(NodeRole.SSL).stream().filter(n -> n.state() == NodeState.ACTIVE).map(NodeInfo::id).sorted()
        .toList();
  }

  private CertificateSummary summarize(CertificateRecord r) {
    return summarize(r, servingNodes());
  }

  private static CertificateSummary summarize(CertificateRecord r, List<String> servedBy) {
    String subject = "";
    String issuer = "";
    String keyType = "";
    try {
      X509Certificate leaf = PemCodec.readChain(r.chainPem()).get(0);
      subject = CertificateValidator.subject(leaf);
      issuer = leaf.getIssuerX500Principal().getName(javax.security.auth.x500.X500Principal.RFC2253);
      keyType = PemCodec.describeKey(leaf.getPublicKey());
    } catch (CertificateRejectedException e) {
      log.debug("certificate {}: stored chain does not parse: {}", r.id(), e.getMessage());
    }
    return new CertificateSummary(r.id(), r.names(), subject, issuer, keyType, Instant.ofEpochMilli(r.notBefore()),
        Instant.ofEpochMilli(r.notAfter()), r.fingerprint(), r.version(), servedBy);
  }
}
