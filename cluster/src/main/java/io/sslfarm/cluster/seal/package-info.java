/** Sealing of secrets (private keys, ticket keys) before they enter the cluster: AES-256-GCM under the farm master key. */
package io.sslfarm.cluster.seal;
