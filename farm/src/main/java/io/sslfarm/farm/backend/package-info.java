/** The built-in demo backend: an HTTP server that answers with its own id, so stickiness is visible. */
package io.sslfarm.farm.backend;
