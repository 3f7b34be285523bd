package io.sslfarm.router.config;

import io.sslfarm.cluster.HostPort;

/**
 * One upstream server of a pool.
 *
 * @param id      unique in the pool; written into sticky cookies and the session table, so limited to
 *                {@code [A-Za-z0-9_-]{1,64}}
 * @param address where the router connects
 * @param weight  0–100; 0 = no new sessions (draining), existing sticky sessions continue
 */
public record BackendSpec(String id, HostPort address, int weight) {

  public static final int DEFAULT_WEIGHT = 10;
}
