package io.sslfarm.router.config;

/**
 * One routing rule; rules are tried in order, the first match wins.
 *
 * @param host       exact host ({@code shop.example.com}), a wildcard ({@code *.example.com}: one or more labels
 *                   before {@code .example.com}), or null for any host; compared case-insensitively without port
 * @param pathPrefix matched against the raw request path, {@code /} = everything
 * @param pool       the pool that serves matching requests
 */
public record RouteRule(String host, String pathPrefix, String pool) {
}
