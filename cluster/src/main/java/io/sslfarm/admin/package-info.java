/** The admin HTTP port every node serves: health, Prometheus metrics and the token-protected {@code /api/}. */
package io.sslfarm.admin;
