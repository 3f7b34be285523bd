package io.sslfarm.bench.cli;

import io.sslfarm.bench.BenchOptions;
import io.sslfarm.bench.ConnectionMode;
import io.sslfarm.bench.Scenario;
import io.sslfarm.bench.compare.CompareOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for the bench options; picocli prefixes their messages with the option's name. */
final class CliConverters {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private CliConverters() {
    }

    /** {@code 500ms}, {@code 10s}, {@code 1.5s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
    static Duration parseDuration(String s) {
        Matcher m = DURATION.matcher(s.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new TypeConversionException("'" + s + "' is not a duration (e.g. 500ms, 10s, 2m, 1h)");
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> n;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n * 1000;
        };
        if (millis > Long.MAX_VALUE / 2) throw new TypeConversionException("'" + s + "' is too long");
        return Duration.ofMillis(Math.round(millis));
    }

    /** The shortest exact form {@link #parseDuration} reads back: 10s, 2h, 500ms. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
        if (ms != 0 && ms % 60_000 == 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }

    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }

    static final class ProviderConverter implements ITypeConverter<BenchOptions.Provider> {
        @Override
        public BenchOptions.Provider convert(String value) {
            try {
                return BenchOptions.Provider.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a provider (conscrypt, jdk)");
            }
        }
    }

    static final class ConnectionModeConverter implements ITypeConverter<ConnectionMode> {
        @Override
        public ConnectionMode convert(String value) {
            try {
                return ConnectionMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a connection mode (new, resume, keepalive)");
            }
        }
    }

    static final class ScenarioConverter implements ITypeConverter<Scenario> {
        @Override
        public Scenario convert(String value) {
            try {
                return Scenario.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a scenario (handshake, resume, keepalive, sticky, failover)");
            }
        }
    }

    static final class ServerConverter implements ITypeConverter<CompareOptions.Server> {
        @Override
        public CompareOptions.Server convert(String value) {
            try {
                return CompareOptions.Server.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a server (haproxy, nginx)");
            }
        }
    }
}
