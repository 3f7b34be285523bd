/** Downstream side: the HTTP listener, PROXY v2 trust check, strict HTTP/1.1 framing and timeouts. */
package io.sslfarm.router.listener;
