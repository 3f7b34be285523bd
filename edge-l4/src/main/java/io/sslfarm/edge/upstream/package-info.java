/** Upstream side of the edge: the SSL node set, active health checks and the balancing algorithms. */
package io.sslfarm.edge.upstream;
