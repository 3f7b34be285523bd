package io.sslfarm.certs.store;

import static io.sslfarm.certs.Rejections.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.certs.CertificateRejectedException.Reason;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stored record's key opens only with that record's own metadata (id, version, chain hash, names, validity,
 * fingerprint), and only if it is the leaf's key. Each case is what a writer on the cluster port could put in the map
 * by copying fields between authentic records.
 */
class CertificateOpenerTest {

  @TempDir
  static Path caDir;
  static DevCa ca;

  private final LocalFarmCluster cluster = new LocalFarmCluster();
  private final SecretSealer sealer = new SecretSealer(MasterKey.generate());
  private final CertificateService service = new CertificateService(cluster.certificates(), cluster.nodes(), sealer,
      30, CertsMetrics.noop());
  private final CertificateOpener opener = new CertificateOpener(sealer);
  private GeneratedCertificate site;
  private GeneratedCertificate other;
  private CertificateRecord rec;

  @BeforeAll
  static void createCa() throws Exception {
    ca = DevCa.loadOrCreate(caDir);
  }

  @BeforeEach
  void add() throws Exception {
    site = ca.issue("a.example.com");
    other = ca.issue("a.example.com", "evil.example.com");
    service.add("site", site.chainPem(), site.keyPem(), null).toCompletableFuture().get(10, TimeUnit.SECONDS);
    rec = cluster.certificates().snapshot().get("site");
  }

  @AfterEach
  void close() {
    cluster.close();
  }

  private String what(CertificateRecord r) {
    return "certificate '" + r.id() + "' (version " + r.version() + "): ";
  }

  @Test
  void authenticRecord_opens() throws Exception {
    assertThat(opener.open(rec).key().getEncoded()).isEqualTo(site.key().getEncoded());
  }

  @Test
  void namesSwapped_refused() {
    CertificateRecord swapped = new CertificateRecord("site", rec.chainPem(), rec.sealedKey(),
        List.of("a.example.com", "evil.example.com"), rec.notBefore(), rec.notAfter(), rec.fingerprint(),
        rec.version());
    assertRejected(() -> opener.open(swapped), Reason.UNSEALABLE,
        what(swapped) + "private key does not open on this node: sealed value does not open");
  }

  @Test
  void chainSwapped_refused() {
    CertificateRecord swapped = new CertificateRecord("site", other.chainPem(), rec.sealedKey(), rec.names(),
        rec.notBefore(), rec.notAfter(), rec.fingerprint(), rec.version());
    assertRejected(() -> opener.open(swapped), Reason.UNSEALABLE,
        what(swapped) + "private key does not open on this node: sealed value does not open");
  }

  @Test
  void versionRaised_refused() {
    CertificateRecord raised = rec.withVersion(rec.version() + 1000);
    assertRejected(() -> opener.open(raised), Reason.UNSEALABLE,
        what(raised) + "private key does not open on this node: sealed value does not open");
  }

  @Test
  void keyNotTheLeafs_refused() {
    // sealed with the record's own metadata (only a master-key holder can), but the key is another certificate's
    byte[] wrongKey = CertificateOpenerTestSupport.seal(opener, sealer, other.key().getEncoded(), rec);
    CertificateRecord mismatched = new CertificateRecord("site", rec.chainPem(), wrongKey, rec.names(),
        rec.notBefore(), rec.notAfter(), rec.fingerprint(), rec.version());
    assertRejected(() -> opener.open(mismatched), Reason.KEY_MISMATCH,
        what(mismatched) + "the private key does not match the leaf certificate CN=a.example.com");
  }

  @Test
  void oldUnboundFormat_refusedWithClearMessage() {
    // format 1, as an older sslfarm sealed it: AAD "cert:" + id, no version or names bound
    CertificateRecord legacy = new CertificateRecord("site", rec.chainPem(),
        sealer.seal(site.key().getEncoded(), "cert:site"), rec.names(), rec.notBefore(), rec.notAfter(),
        rec.fingerprint(), rec.version());
    assertRejected(() -> opener.open(legacy), Reason.REPLAYED,
        what(legacy) + "private key sealed in format 1 (not bound to its metadata, written by an older sslfarm): "
            + "refused; add the certificate again to serve it");
  }
}
