/** The upstream side: router choice, connect with retry, PROXY v2 header with TLS TLVs, plaintext relay. */
package io.sslfarm.ssl.upstream;
