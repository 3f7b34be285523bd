/** Machinery: TLS client contexts, a minimal HTTP/1.1 exchange, the load engine, /proc CPU sampling. */
package io.sslfarm.bench.internal;
