/**
 * Certificates: PEM parsing and validation, the cluster certificate store, the SNI index and dev-CA generation.
 * Public types here; sub-packages follow a certificate's path from PEM upload to a TLS handshake.
 */
package io.sslfarm.certs;
