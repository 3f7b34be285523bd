/** The certificate store API over the cluster {@code CertificateTable}: add (validate, seal), list, remove, open. */
package io.sslfarm.certs.store;
