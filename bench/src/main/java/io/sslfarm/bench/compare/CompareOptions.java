package io.sslfarm.bench.compare;

import io.sslfarm.bench.BenchOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Options of {@code sslfarm bench compare <scenario>}: the same bench against the farm (already running, given by URL
 * and PID) and against HAProxy and nginx, which the harness configures, starts on 127.0.0.1 and stops.
 */
public class CompareOptions {

    /** Servers the harness can start. */
    public enum Server {
        HAPROXY, NGINX;

        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final Duration DEFAULT_PAUSE = Duration.ofSeconds(2);

    private BenchOptions bench = new BenchOptions();
    private URI farmUrl;
    private long farmPid;
    private List<Server> servers = new ArrayList<>(List.of(Server.HAPROXY, Server.NGINX));
    private String backend;
    private Path cert;
    private Path key;
    private Path workdir;
    private Integer serverCpu;
    private String haproxyBin = "haproxy";
    private String nginxBin = "nginx";
    private int repeat = 1;
    private Duration pause = DEFAULT_PAUSE;
    private Path jsonOut;
    private Path htmlOut;

    public CompareOptions validate() {
        if (farmUrl == null && servers.isEmpty()) throw new IllegalArgumentException("servers: nothing to compare (no --farm, no server)");
        if (farmUrl != null && !"https".equalsIgnoreCase(farmUrl.getScheme()) && !"http".equalsIgnoreCase(farmUrl.getScheme()))
            throw new IllegalArgumentException("farm: not an http(s) URL: " + farmUrl);
        if (farmPid < 0) throw new IllegalArgumentException("farm-pid: must be > 0");
        if ((cert == null) != (key == null)) throw new IllegalArgumentException("cert/key: give both or neither");
        if (backend != null && !backend.matches("[^:]+:\\d{1,5}")) throw new IllegalArgumentException("backend: expected host:port, was " + backend);
        if (repeat < 1 || repeat > 10) throw new IllegalArgumentException("repeat: must be 1..10");
        if (serverCpu != null && serverCpu < 0) throw new IllegalArgumentException("server-cpu: must be >= 0");
        if (pause.isNegative()) throw new IllegalArgumentException("pause: must be >= 0");
        return this;
    }

    public BenchOptions getBench() { return bench; }
    /** The bench to run against every server (scenario, users, rate, duration, ...). Its URL's path is kept; host/port are replaced. */
    public CompareOptions setBench(BenchOptions bench) { this.bench = Objects.requireNonNull(bench); return this; }
    public URI getFarmUrl() { return farmUrl; }
    /** The running farm's URL (its edge); null = compare only the servers the harness starts. */
    public CompareOptions setFarmUrl(URI farmUrl) { this.farmUrl = farmUrl; return this; }
    public long getFarmPid() { return farmPid; }
    /** PID of the farm process (e.g. {@code sslfarm up}) for CPU-seconds per operation; 0 = unknown. */
    public CompareOptions setFarmPid(long farmPid) { this.farmPid = farmPid; return this; }
    public List<Server> getServers() { return servers; }
    /** Servers to start. Default HAProxy and nginx. */
    public CompareOptions setServers(List<Server> servers) { this.servers = new ArrayList<>(servers); return this; }
    public String getBackend() { return backend; }
    /** host:port of the plain-HTTP backend all servers forward to (use the farm's); null = start an nginx backend. */
    public CompareOptions setBackend(String backend) { this.backend = backend; return this; }
    public Path getCert() { return cert; }
    /** Server certificate PEM for HAProxy and nginx (use the farm's); null = a generated ECDSA P-256 one for localhost. */
    public CompareOptions setCert(Path cert) { this.cert = cert; return this; }
    public Path getKey() { return key; }
    /** Private key PEM matching {@link #getCert()}. */
    public CompareOptions setKey(Path key) { this.key = key; return this; }
    public Path getWorkdir() { return workdir; }
    /** Where configs, logs and PID files go; null = a new temp directory. */
    public CompareOptions setWorkdir(Path workdir) { this.workdir = workdir; return this; }
    public Integer getServerCpu() { return serverCpu; }
    /** Pin the started servers to this CPU with taskset (like anchors/start.sh); null (default) = no pinning. */
    public CompareOptions setServerCpu(Integer serverCpu) { this.serverCpu = serverCpu; return this; }
    public String getHaproxyBin() { return haproxyBin; }
    public CompareOptions setHaproxyBin(String haproxyBin) { this.haproxyBin = haproxyBin; return this; }
    public String getNginxBin() { return nginxBin; }
    public CompareOptions setNginxBin(String nginxBin) { this.nginxBin = nginxBin; return this; }
    public int getRepeat() { return repeat; }
    /** Runs per server, interleaved; the median-throughput run is compared. Default 1. */
    public CompareOptions setRepeat(int repeat) { this.repeat = repeat; return this; }
    public Duration getPause() { return pause; }
    /** Idle time between runs. Default 2 s. */
    public CompareOptions setPause(Duration pause) { this.pause = Objects.requireNonNull(pause); return this; }
    public Path getJsonOut() { return jsonOut; }
    public CompareOptions setJsonOut(Path jsonOut) { this.jsonOut = jsonOut; return this; }
    public Path getHtmlOut() { return htmlOut; }
    public CompareOptions setHtmlOut(Path htmlOut) { this.htmlOut = htmlOut; return this; }
}
