/** A farm node's life: config, cluster, admin port, one tier, graceful drain on SIGTERM. */
package io.sslfarm.node;
