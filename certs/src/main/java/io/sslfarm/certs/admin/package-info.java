/** The {@code /api/certs} admin endpoints. */
package io.sslfarm.certs.admin;
