/** The router sections of the farm config ({@code routes}, {@code pools}): schema, validation, immutable model. */
package io.sslfarm.router.config;
