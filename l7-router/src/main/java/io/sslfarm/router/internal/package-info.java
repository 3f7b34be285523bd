/** Request forwarding machinery: the proxy handler, forwarding headers, access log. */
package io.sslfarm.router.internal;
