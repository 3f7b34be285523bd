package io.sslfarm.admin;

import io.vertx.core.Future;

/**
 * Handles one admin API request. Runs on the admin server's event loop: anything that may block (every cluster
 * write, file I/O) must go through {@code vertx.executeBlocking} or a cluster future.
 */
@FunctionalInterface
public interface AdminHandler {

  Future<AdminResponse> handle(AdminRequest request);
}
