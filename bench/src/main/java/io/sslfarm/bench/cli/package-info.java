/**
 * {@code sslfarm bench}: the picocli commands over {@link io.sslfarm.bench.BenchRunner} and
 * {@link io.sslfarm.bench.compare.CompareRunner} (the launcher in module {@code farm} mounts {@link io.sslfarm.bench.cli.BenchCommand}).
 */
package io.sslfarm.bench.cli;
