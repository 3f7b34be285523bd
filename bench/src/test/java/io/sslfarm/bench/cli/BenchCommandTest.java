package io.sslfarm.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

@Timeout(60)
class BenchCommandTest {

    @TempDir
    Path tmp;

    /** Exit code plus what the command wrote on stdout and stderr. */
    record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"handshake", "resume", "keepalive", "sticky", "failover"})
    void scenarioHelp_listsEveryDocumentedFlag_withTheLibraryDefaults(String scenario) {
        Run r = run(scenario, "--help");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("Usage: bench " + scenario).contains("URL");
        assertThat(r.out()).contains("-c, --connections=N", "--rate=R", "-d, --duration=T", "--warmup=T", "--timeout=T",
                "--tls=1.2|1.3", "--provider=conscrypt|jdk", "--insecure", "--cacert=PEM", "--sni=NAME", "-H=",
                "--method=METHOD", "--connection-mode=", "--backend-header=NAME", "--backend-pattern=REGEX", "--hook=CMD",
                "--hook-at=T", "--server-pid=PID", "--haproxy-socket=PATH", "--json=FILE", "--html=FILE");
        // defaults come from BenchOptions.DEFAULT_*, durations in the CLI's own syntax (help lines wrap)
        assertThat(r.out().replaceAll("\\s+", " ")).contains("(default: 32)", "(default: 10s)", "(default: 2s)", "(default: 5s)",
                "(default: X-Backend-Id)", "(default: conscrypt)");
    }

    @Test
    void compareHelp_addsTheCompareFlags() {
        Run r = run("compare", "--help");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("Usage: bench compare").contains("SCENARIO", "--farm=URL", "--farm-pid=PID",
                "--servers=SERVER", "--backend=host:port", "--cert=PEM", "--key=PEM", "--server-cpu=N", "--repeat=N",
                "--workdir=DIR", "-c, --connections=N", "--json=FILE", "--html=FILE");
    }

    @Test
    void benchAlone_listsTheSubcommands_asAUsageError() {
        Run r = run();

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("handshake", "resume", "keepalive", "sticky", "failover", "compare");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        // picocli conversion errors
        "keepalive https://localhost:1/ --insecure -d 5x              | --duration",
        "keepalive https://localhost:1/ --insecure -c many            | --connections",
        "keepalive https://localhost:1/ --insecure --provider openssl | --provider",
        "keepalive https://localhost:1/ --insecure --connection-mode x| --connection-mode",
        // BenchOptions.validate() errors, mapped to the flag
        "keepalive https://localhost:1/ --insecure -c 0               | --connections",
        "keepalive https://localhost:1/ --insecure --tls 1.1          | --tls",
        "handshake https://localhost:1/                               | --cacert",
        "resume http://localhost:1/ --insecure                        | URL",
        "failover https://localhost:1/ --insecure -d 2s --hook true --hook-at 3s | --hook-at",
        "sticky https://localhost:1/ --insecure --backend-pattern nogroup | --backend-pattern",
        "keepalive https://localhost:1/ --insecure -H novalue         | -H",
        // CompareOptions.validate() errors
        "compare handshake --repeat 0                                 | --repeat",
        "compare handshake --cert c.pem                               | --cert/--key",
        "compare handshake --servers apache                           | --servers",
        "compare handshake --server-pid 12                            | --server-pid",
    })
    void badOptionValue_exits2_namingTheOption(String args, String option) {
        Run r = run(args.trim().split("\\s+"));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(option);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void unreachableServer_exits0_butCountsTheErrors_notABenchFailure() throws Exception {
        // a run that completes is exit 0 even when every request failed: the report is the result
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            int port = closed.getLocalPort();
            closed.close();
            Run r = run("keepalive", "http://127.0.0.1:" + port + "/", "-c", "1", "-d", "1s", "--warmup", "0", "--timeout", "500ms");
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains(" 0 ok, ").doesNotContain(" 0 errors");
        }
    }

    @Test
    void unreadableCacert_exits1_withOneLineOnStderr() {
        Run r = run("keepalive", "https://127.0.0.1:1/", "--cacert", tmp.resolve("missing.pem").toString(), "-d", "1s");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").startsWith("bench keepalive: cacert");
    }

    @Test
    void keepaliveRun_exits0_printsTheSummary_andWritesJsonThatMatchesTheServer() throws Exception {
        try (TestServer server = TestServer.start()) {
            Path ca = server.writeCa(tmp);
            Path json = tmp.resolve("out/keepalive.json");
            Path html = tmp.resolve("keepalive.html");

            Run r = run("keepalive", server.url(), "--cacert", ca.toString(), "-c", "2", "-d", "2s", "--warmup", "0",
                    "--json", json.toString(), "--html", html.toString());

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("keepalive", "throughput", "latency");
            assertThat(r.err()).contains("wrote " + json);   // progress and notes go to stderr
            JsonObject j = new JsonObject(Files.readString(json));
            assertThat(j.getLong("errors")).isZero();
            assertThat(j.getLong("ok")).isPositive().isEqualTo(server.requests());
            assertThat(j.getJsonObject("options").getString("scenario")).isEqualTo("keepalive");
            assertThat(j.getJsonObject("options").getInteger("connections")).isEqualTo(2);
            assertThat(j.getJsonObject("options").getDouble("durationSeconds")).isEqualTo(2.0);
            assertThat(j.getJsonObject("handshakes").getLong("full")).isEqualTo(2);   // one per user, no warm-up
            assertThat(Files.readString(html)).contains("<svg");
        }
    }

    /**
     * The bench's own test server ({@code io.sslfarm.bench.TestTlsServer}, package-private in the parent test package):
     * a JDK TLS server on 127.0.0.1 that answers {@code backend=<id>} over HTTP/1.1 keep-alive and counts requests.
     */
    private static final class TestServer implements AutoCloseable {
        private final Object server;
        private final Class<?> type;

        private TestServer(Object server) {
            this.server = server;
            this.type = server.getClass();
        }

        static TestServer start() throws Exception {
            Class<?> c = Class.forName("io.sslfarm.bench.TestTlsServer");
            Constructor<?> ctor = c.getDeclaredConstructor(String[].class, boolean.class, String[].class);
            ctor.setAccessible(true);
            return new TestServer(ctor.newInstance(new String[] {"a"}, true, new String[0]));
        }

        String url() throws Exception {
            return (String) invoke("url");
        }

        Path writeCa(Path dir) throws Exception {
            Method m = type.getDeclaredMethod("writeCa", Path.class);
            m.setAccessible(true);
            return (Path) m.invoke(server, dir);
        }

        long requests() throws Exception {
            Field f = type.getDeclaredField("requests");
            f.setAccessible(true);
            return ((AtomicLong) f.get(server)).get();
        }

        private Object invoke(String name) throws Exception {
            Method m = type.getDeclaredMethod(name);
            m.setAccessible(true);
            return m.invoke(server);
        }

        @Override
        public void close() throws Exception {
            ((AutoCloseable) server).close();
        }
    }
}
