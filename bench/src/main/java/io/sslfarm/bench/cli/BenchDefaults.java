package io.sslfarm.bench.cli;

import io.sslfarm.bench.BenchOptions;
import io.sslfarm.bench.compare.CompareOptions;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults taken from {@link BenchOptions} and {@link CompareOptions}, so {@code ${DEFAULT-VALUE}} in the help
 * shows exactly what the library uses (durations as {@code 10s}, not {@code PT10S}).
 */
final class BenchDefaults implements IDefaultValueProvider {

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec o)) return null;
        return switch (o.longestName()) {
            case "--connections" -> String.valueOf(BenchOptions.DEFAULT_CONNECTIONS);
            case "--rate" -> number(BenchOptions.DEFAULT_RATE);
            case "--duration" -> CliConverters.format(BenchOptions.DEFAULT_DURATION);
            case "--warmup" -> CliConverters.format(BenchOptions.DEFAULT_WARMUP);
            case "--timeout" -> CliConverters.format(BenchOptions.DEFAULT_TIMEOUT);
            case "--hook-at" -> CliConverters.format(BenchOptions.DEFAULT_HOOK_AT);
            case "--backend-header" -> BenchOptions.DEFAULT_BACKEND_HEADER;
            case "--backend-pattern" -> BenchOptions.DEFAULT_BACKEND_PATTERN;
            case "--provider" -> new BenchOptions().getProvider().name().toLowerCase(java.util.Locale.ROOT);
            case "--method" -> new BenchOptions().getMethod();
            case "--repeat" -> String.valueOf(new CompareOptions().getRepeat());
            default -> null;
        };
    }

    private static String number(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
