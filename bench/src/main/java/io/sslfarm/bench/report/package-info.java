/** Renders a {@link io.sslfarm.bench.BenchResult}: summary table, JSON, self-contained HTML with inline SVG. */
package io.sslfarm.bench.report;
