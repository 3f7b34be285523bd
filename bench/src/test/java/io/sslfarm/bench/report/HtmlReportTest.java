package io.sslfarm.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.bench.BenchOptions;
import io.sslfarm.bench.BenchResult;
import io.sslfarm.bench.BenchRunner;
import io.sslfarm.bench.Scenario;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reports of a real (failing) run: nothing listens on the port, so every request is a connect error. */
@Timeout(30)
class HtmlReportTest {

    @TempDir
    Path tmp;

    @Test
    void refusedConnections_fullReport_selfContained() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> progress = new ArrayList<>();
        BenchResult r = BenchRunner.run(new BenchOptions().setScenario(Scenario.FAILOVER).setUrl("http://127.0.0.1:" + port + "/")
                .setConnections(2).setDuration(Duration.ofSeconds(2)).setWarmup(Duration.ZERO).setHook("echo hi")
                .setHookAt(Duration.ofMillis(500)).setJsonOut(tmp.resolve("r.json")).setHtmlOut(tmp.resolve("r.html")), progress::add);

        assertThat(r.ok()).isZero();
        assertThat(r.errorsByKind()).containsOnlyKeys("connect");
        assertThat(r.errorWindows()).singleElement().satisfies(w -> {
            assertThat(w.from()).isZero();
            assertThat(w.to()).isEqualTo(2);
        });
        assertThat(progress).hasSize(2).allSatisfy(l -> assertThat(l).contains("failover", "err="));
        String html = Files.readString(tmp.resolve("r.html"));
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg", "Throughput over time", "Latency percentiles", "echo hi", "connect")
                .doesNotContain("<script", "http://cdn", "https://cdn", "<link");
        JsonObject j = new JsonObject(Files.readString(tmp.resolve("r.json")));
        assertThat(j.getLong("errors")).isEqualTo(r.errors());
        assertThat(j.getJsonArray("timeline")).hasSize(2);
        assertThat(j.getJsonObject("hook").getInteger("exitCode")).isZero();
        assertThat(SummaryTable.render(r)).contains("error windows", "[0s-2s)");
    }

    @Test
    void percentileLabels() {
        assertThat(HtmlReport.pctLabel(0)).isEqualTo("0%");
        assertThat(HtmlReport.pctLabel(Math.log10(2))).isEqualTo("50%");
        assertThat(HtmlReport.pctLabel(2)).isEqualTo("99%");
        assertThat(HtmlReport.pctLabel(3)).isEqualTo("99.9%");
    }
}
