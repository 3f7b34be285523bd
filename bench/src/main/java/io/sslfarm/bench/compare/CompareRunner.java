package io.sslfarm.bench.compare;

import io.sslfarm.bench.BenchException;
import io.sslfarm.bench.BenchOptions;
import io.sslfarm.bench.BenchResult;
import io.sslfarm.bench.BenchRunner;
import io.sslfarm.bench.internal.ManagedProcess;
import io.sslfarm.bench.internal.SelfSignedCert;
import io.sslfarm.bench.report.CompareReport;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sslfarm bench compare}: writes HAProxy and nginx configs (same certificate, same backend), starts them on
 * free 127.0.0.1 ports, runs the same bench against the farm and each of them (interleaved when repeating), stops
 * exactly the processes it started, and returns the runs side by side.
 */
public final class CompareRunner {

    private static final Logger log = LoggerFactory.getLogger(CompareRunner.class);
    private static final Duration START_WAIT = Duration.ofSeconds(10);

    private CompareRunner() {
    }

    public static CompareResult run(CompareOptions options, Consumer<String> progress) throws BenchException {
        CompareOptions o = options.validate();
        List<ManagedProcess> started = new ArrayList<>();
        try {
            Path w = o.getWorkdir() != null ? o.getWorkdir().toAbsolutePath() : Files.createTempDirectory("sslfarm-compare");
            Files.createDirectories(w.resolve("tmp"));
            Path cert, key, combined;
            if (o.getCert() != null) {
                cert = o.getCert().toAbsolutePath();
                key = o.getKey().toAbsolutePath();
                combined = w.resolve("combined.pem");
                Files.writeString(combined, Files.readString(cert) + "\n" + Files.readString(key), StandardCharsets.US_ASCII);
            } else {
                SelfSignedCert.generate("localhost").writeTo(w);
                cert = w.resolve("cert.pem");
                key = w.resolve("key.pem");
                combined = w.resolve("combined.pem");
            }
            String backend = o.getBackend();
            if (backend == null) {
                int bp = freePort();
                Path conf = write(w.resolve("backend.conf"), ServerConfigs.nginxBackend(w, bp, "compare-backend"));
                started.add(ManagedProcess.start("backend", nginxCmd(o, conf, w, false), w.resolve("backend.log"), bp, START_WAIT));
                backend = "127.0.0.1:" + bp;
            }

            Map<String, Target> targets = new LinkedHashMap<>();
            if (o.getFarmUrl() != null) {
                targets.put("sslfarm", new Target(o.getFarmUrl(), o.getFarmPid(), null, false));
            }
            for (CompareOptions.Server s : o.getServers()) {
                int port = freePort();
                ManagedProcess p;
                Path stats = null;
                if (s == CompareOptions.Server.HAPROXY) {
                    Path conf = write(w.resolve("haproxy.cfg"), ServerConfigs.haproxy(w, port, combined, backend));
                    p = ManagedProcess.start("haproxy", pinned(o, List.of(o.getHaproxyBin(), "-db", "-f", conf.toString())),
                            w.resolve("haproxy.log"), port, START_WAIT);
                    stats = w.resolve("haproxy.sock");
                } else {
                    Path conf = write(w.resolve("nginx-tls.conf"), ServerConfigs.nginxTls(w, port, cert, key, backend));
                    p = ManagedProcess.start("nginx", nginxCmd(o, conf, w, true), w.resolve("nginx-tls.log"), port, START_WAIT);
                }
                started.add(p);
                String path = o.getBench().getUrl() != null ? o.getBench().requestTarget() : "/";
                targets.put(s.cliName(), new Target(URI.create("https://127.0.0.1:" + port + path), p.pid(), stats, true));
            }

            Map<String, List<BenchResult>> runs = new LinkedHashMap<>();
            for (String n : targets.keySet()) runs.put(n, new ArrayList<>());
            boolean first = true;
            for (int rep = 0; rep < o.getRepeat(); rep++) {
                for (Map.Entry<String, Target> e : targets.entrySet()) {
                    if (!first && !o.getPause().isZero()) Thread.sleep(o.getPause().toMillis());
                    first = false;
                    Target t = e.getValue();
                    BenchOptions b = new BenchOptions(o.getBench()).setUrl(t.url).setServerPid(t.pid)
                            .setHaproxyStatsSocket(t.stats).setJsonOut(null).setHtmlOut(null)
                            .setLabel(e.getKey() + (o.getRepeat() > 1 ? " #" + (rep + 1) : ""));
                    if (t.ours) {
                        b.setServerName("localhost");
                        // a generated certificate is its own CA; a given one is trusted via the bench's --cacert if set
                        if (!b.isInsecure() && (o.getCert() == null || b.getCaCert() == null)) b.setCaCert(cert);
                    }
                    if (progress != null) progress.accept("== " + b.getLabel() + " " + t.url);
                    runs.get(e.getKey()).add(BenchRunner.run(b, progress));
                }
            }
            List<CompareResult.Target> out = new ArrayList<>();
            for (Map.Entry<String, Target> e : targets.entrySet()) {
                out.add(new CompareResult.Target(e.getKey(), e.getValue().url.toString(), e.getValue().pid, runs.get(e.getKey())));
            }
            CompareResult result = new CompareResult(out, w.toString());
            if (o.getJsonOut() != null) CompareReport.writeJson(result, o.getJsonOut());
            if (o.getHtmlOut() != null) CompareReport.writeHtml(result, o.getHtmlOut());
            return result;
        } catch (IOException | GeneralSecurityException e) {
            throw new BenchException("compare: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("compare: interrupted", e);
        } finally {
            for (int i = started.size() - 1; i >= 0; i--) started.get(i).close();
        }
    }

    private record Target(URI url, long pid, Path stats, boolean ours) {
    }

    private static List<String> nginxCmd(CompareOptions o, Path conf, Path w, boolean pin) {
        List<String> cmd = List.of(o.getNginxBin(), "-p", w.toString(), "-e", w.resolve("nginx-early.err").toString(),
                "-c", conf.toString());
        return pin ? pinned(o, cmd) : cmd;
    }

    private static List<String> pinned(CompareOptions o, List<String> cmd) {
        if (o.getServerCpu() == null) return cmd;
        List<String> c = new ArrayList<>(List.of("taskset", "-c", o.getServerCpu().toString()));   // taskset execs: same PID
        c.addAll(cmd);
        return c;
    }

    private static Path write(Path p, String text) throws IOException {
        Files.writeString(p, text, StandardCharsets.UTF_8);
        log.debug("wrote {}", p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
