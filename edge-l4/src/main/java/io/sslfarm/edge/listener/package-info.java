/** Downstream side of the edge: accept, PROXY header from trusted balancers, ACL, per-source limits, hand-off. */
package io.sslfarm.edge.listener;
