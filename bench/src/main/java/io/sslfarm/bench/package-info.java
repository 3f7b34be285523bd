/** The load harness: {@link io.sslfarm.bench.BenchRunner} runs one scenario, {@code compare.CompareRunner} several servers. */
package io.sslfarm.bench;
