/** Host and path-prefix matching of requests to upstream pools. */
package io.sslfarm.router.route;
