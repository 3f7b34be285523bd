package io.sslfarm.router.config;

/**
 * One routing rule; rules are tried in order, the first match wins.
 *
 * @param host       exact host ({@code shop.example.com}), a wildcard ({@code *.example.com}: one or more labels
 *                   before {@code .example.com}), or null for any host; compared case-insensitively without port
 * @param pathPrefix matched against the normalised request path on segment boundaries ({@code /api}
 *                   matches {@code /api} and {@code /api/x}, not {@code /apix}; one ending with {@code /} is a plain
 *                   prefix), {@code /} = everything; see {@link io.sslfarm.router.route.RouteTable}
 * @param pool       the pool that serves matching requests
 */
public record RouteRule(String host, String pathPrefix, String pool) {
}
