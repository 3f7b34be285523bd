/** Checks a parsed chain and key before anything is stored: key match, chain order, validity, names, fingerprint. */
package io.sslfarm.certs.validate;
