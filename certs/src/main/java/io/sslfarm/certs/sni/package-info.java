/** Server-name selection: an immutable SNI index and the watcher that keeps it current from the cluster. */
package io.sslfarm.certs.sni;
