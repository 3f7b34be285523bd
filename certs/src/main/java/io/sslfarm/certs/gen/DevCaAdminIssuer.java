package io.sslfarm.certs.gen;

import io.sslfarm.admin.AdminCertificateIssuer;
import io.sslfarm.admin.AdminTlsCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Issues a node's admin-port certificate from the dev CA in one directory ({@code certs.dev-ca-dir}, default
 * {@code <node.data-dir>/dev-ca}): a fresh P-256 key each start, valid {@link DevCa#DEFAULT_LEAF_VALIDITY}. Clients
 * verify it with that directory's {@code ca.pem}.
 */
public final class DevCaAdminIssuer implements AdminCertificateIssuer {

  private final Path dir;

  public DevCaAdminIssuer(Path dir) {
    this.dir = dir;
  }

  @Override
  public Optional<AdminTlsCertificate> issue(List<String> names, boolean create) throws IOException {
    if (!create && !Files.exists(dir.resolve(DevCa.CERT_FILE))) {
      return Optional.empty();
    }
    DevCa ca = DevCa.loadOrCreate(dir);
    GeneratedCertificate g = ca.issue(names, DevCa.DEFAULT_LEAF_VALIDITY, KeyType.EC_P256);
    return Optional.of(new AdminTlsCertificate(g.chainPem(), g.keyPem(), "dev CA in " + dir + ", names " + names
        + "; clients trust " + dir.resolve(DevCa.CERT_FILE)));
  }
}
