/** Upstream pools: backends, weights, health checks, passive ejection, slow start, balancing. */
package io.sslfarm.router.upstream;
