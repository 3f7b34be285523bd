/** PEM parsing (BouncyCastle) of certificate chains and private keys, and PEM writing. */
package io.sslfarm.certs.pem;
