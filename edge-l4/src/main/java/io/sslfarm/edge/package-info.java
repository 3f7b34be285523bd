/** The L4 edge tier: accepts client TCP connections and spreads them over the healthy SSL nodes, never decrypting. */
package io.sslfarm.edge;
