package io.sslfarm.bench.report;

import io.sslfarm.bench.BenchResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes {@link BenchResult#toJson()} pretty-printed. */
public final class JsonReport {
    private JsonReport() {
    }

    public static void write(BenchResult r, Path file) throws IOException {
        if (file.getParent() != null) Files.createDirectories(file.getParent());
        Files.writeString(file, r.toJson().encodePrettily() + "\n", StandardCharsets.UTF_8);
    }
}
