/** The SSL tier: terminates TLS for the farm and relays plaintext to an L7 router with a PROXY v2 header. */
package io.sslfarm.ssl;
