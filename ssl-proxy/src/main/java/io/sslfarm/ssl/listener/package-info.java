/** The downstream side: accept, PROXY header gate, SNI + TLS handshake, limits. */
package io.sslfarm.ssl.listener;
