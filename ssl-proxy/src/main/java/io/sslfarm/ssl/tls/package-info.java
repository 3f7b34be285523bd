/** TLS engines (Conscrypt, netty-tcnative), per-certificate contexts chosen by SNI, session-ticket keys. */
package io.sslfarm.ssl.tls;
