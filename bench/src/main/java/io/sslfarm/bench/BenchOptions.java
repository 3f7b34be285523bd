package io.sslfarm.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Every option of {@code sslfarm bench <scenario> URL}, with its default. Mutable builder; {@link BenchRunner} copies it
 * and calls {@link #validate()} before a run. Times are {@link Duration}s; 0 means "off" where stated.
 */
public class BenchOptions {

    /** TLS implementation the client uses. */
    public enum Provider { CONSCRYPT, JDK }

    public static final int DEFAULT_CONNECTIONS = 32;
    public static final double DEFAULT_RATE = 0;
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
    public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(2);
    public static final Duration MAX_DURATION = Duration.ofHours(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_HOOK_AT = Duration.ofSeconds(5);
    public static final String DEFAULT_BACKEND_HEADER = "X-Backend-Id";
    public static final String DEFAULT_BACKEND_PATTERN = "backend=([A-Za-z0-9_.:-]+)";
    public static final int DEFAULT_MAX_VIOLATIONS_LISTED = 200;

    private Scenario scenario = Scenario.KEEPALIVE;
    private URI url;
    private ConnectionMode connectionMode;
    private int connections = DEFAULT_CONNECTIONS;
    private double rate = DEFAULT_RATE;
    private Duration duration = DEFAULT_DURATION;
    private Duration warmup = DEFAULT_WARMUP;
    private Duration timeout = DEFAULT_TIMEOUT;
    private String tlsVersion;
    private Provider provider = Provider.CONSCRYPT;
    private boolean insecure;
    private Path caCert;
    private String serverName;
    private String method = "GET";
    private List<String> headers = new ArrayList<>();
    private String backendHeader = DEFAULT_BACKEND_HEADER;
    private String backendPattern = DEFAULT_BACKEND_PATTERN;
    private String hook;
    private Duration hookAt = DEFAULT_HOOK_AT;
    private long serverPid;
    private Path haproxyStatsSocket;
    private Path jsonOut;
    private Path htmlOut;
    private String label;
    private int maxViolationsListed = DEFAULT_MAX_VIOLATIONS_LISTED;
    private Boolean retryClosedKeepAlive;

    public BenchOptions() {
    }

    public BenchOptions(BenchOptions o) {
        scenario = o.scenario; url = o.url; connectionMode = o.connectionMode; connections = o.connections; rate = o.rate;
        duration = o.duration; warmup = o.warmup; timeout = o.timeout; tlsVersion = o.tlsVersion; provider = o.provider;
        insecure = o.insecure; caCert = o.caCert; serverName = o.serverName; method = o.method;
        headers = new ArrayList<>(o.headers); backendHeader = o.backendHeader; backendPattern = o.backendPattern;
        hook = o.hook; hookAt = o.hookAt; serverPid = o.serverPid; haproxyStatsSocket = o.haproxyStatsSocket;
        jsonOut = o.jsonOut; htmlOut = o.htmlOut; label = o.label; maxViolationsListed = o.maxViolationsListed;
        retryClosedKeepAlive = o.retryClosedKeepAlive;
    }

    /** Checks every option; the message names the option. */
    public BenchOptions validate() {
        if (url == null) throw new IllegalArgumentException("url: required (https://host:port/path)");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) throw new IllegalArgumentException("url: scheme must be https or http: " + url);
        if (url.getHost() == null) throw new IllegalArgumentException("url: no host in " + url);
        if (!scheme.equals("https") && (scenario == Scenario.HANDSHAKE || scenario == Scenario.RESUME))
            throw new IllegalArgumentException("url: scenario " + scenario.cliName() + " needs an https:// URL");
        if (connections < 1 || connections > 10_000) throw new IllegalArgumentException("connections: must be 1..10000, was " + connections);
        if (rate < 0 || Double.isNaN(rate)) throw new IllegalArgumentException("rate: must be >= 0 (0 = closed loop), was " + rate);
        if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0)
            throw new IllegalArgumentException("duration: must be > 0 and <= " + MAX_DURATION + ", was " + duration);
        if (warmup.isNegative() || warmup.compareTo(MAX_DURATION) > 0) throw new IllegalArgumentException("warmup: must be 0.." + MAX_DURATION);
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout: must be > 0");
        if (tlsVersion != null && !tlsVersion.equals("1.2") && !tlsVersion.equals("1.3"))
            throw new IllegalArgumentException("tls: must be 1.2 or 1.3, was " + tlsVersion);
        if (insecure && caCert != null) throw new IllegalArgumentException("insecure: cannot be combined with cacert");
        if (scheme.equals("https") && !insecure && caCert == null)
            throw new IllegalArgumentException("cacert: give --cacert PEM (or --insecure) for an https:// URL");
        if (method == null || !method.matches("[A-Z]+")) throw new IllegalArgumentException("method: not an HTTP method: " + method);
        for (String h : headers) {
            if (!h.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*")) throw new IllegalArgumentException("header: expected 'Name: value', was " + h);
        }
        if (backendPattern != null && !backendPattern.isEmpty()) {
            try {
                if (Pattern.compile(backendPattern).matcher("").groupCount() < 1)
                    throw new IllegalArgumentException("backend-pattern: needs one capture group, was " + backendPattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("backend-pattern: " + e.getDescription());
            }
        }
        if (hook != null && (hookAt.isNegative() || hookAt.compareTo(duration) >= 0))
            throw new IllegalArgumentException("hook-at: must be within the measured duration (0.." + duration + "), was " + hookAt);
        if (serverPid < 0) throw new IllegalArgumentException("server-pid: must be > 0");
        if (maxViolationsListed < 0) throw new IllegalArgumentException("max-violations-listed: must be >= 0");
        return this;
    }

    public boolean isTls() {
        return "https".equalsIgnoreCase(url.getScheme());
    }

    public int port() {
        return url.getPort() > 0 ? url.getPort() : (isTls() ? 443 : 80);
    }

    /** Request target: the URL's path and query, "/" when empty. */
    public String requestTarget() {
        String p = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return url.getRawQuery() == null ? p : p + "?" + url.getRawQuery();
    }

    public ConnectionMode effectiveConnectionMode() {
        return connectionMode != null ? connectionMode : scenario.defaultConnectionMode();
    }

    public boolean openLoop() {
        return rate > 0;
    }

    /** Effective retry policy: the option, else true for every scenario but failover (which must see every failure). */
    public boolean retriesClosedKeepAlive() {
        return retryClosedKeepAlive != null ? retryClosedKeepAlive : scenario != Scenario.FAILOVER;
    }

    public JsonObject toJson() {
        JsonObject j = new JsonObject()
                .put("scenario", scenario.cliName())
                .put("url", url == null ? null : url.toString())
                .put("connectionMode", effectiveConnectionMode().name().toLowerCase(Locale.ROOT))
                .put("connections", connections)
                .put("loop", openLoop() ? "open" : "closed")
                .put("rate", rate)
                .put("durationSeconds", duration.toMillis() / 1000.0)
                .put("warmupSeconds", warmup.toMillis() / 1000.0)
                .put("timeoutSeconds", timeout.toMillis() / 1000.0)
                .put("tls", tlsVersion == null ? "1.2+1.3" : tlsVersion)
                .put("provider", provider.name().toLowerCase(Locale.ROOT))
                .put("insecure", insecure)
                .put("caCert", caCert == null ? null : caCert.toString())
                .put("serverName", serverName)
                .put("method", method)
                .put("headers", new JsonArray(new ArrayList<>(headers)))
                .put("backendHeader", backendHeader)
                .put("backendPattern", backendPattern)
                .put("hook", hook)
                .put("hookAtSeconds", hook == null ? null : hookAt.toMillis() / 1000.0)
                .put("serverPid", serverPid == 0 ? null : serverPid)
                .put("retryClosedKeepAlive", retriesClosedKeepAlive())
                .put("label", label);
        return j;
    }

    public Scenario getScenario() { return scenario; }
    /** Scenario to run. Default {@code keepalive}. */
    public BenchOptions setScenario(Scenario scenario) { this.scenario = Objects.requireNonNull(scenario); return this; }
    public URI getUrl() { return url; }
    /** Target, {@code https://host:port/path} (or {@code http://} for keepalive/sticky/failover). Required. */
    public BenchOptions setUrl(URI url) { this.url = url; return this; }
    public BenchOptions setUrl(String url) { this.url = URI.create(url); return this; }
    public ConnectionMode getConnectionMode() { return connectionMode; }
    /** Overrides the scenario's default connection mode; null = the scenario's default. */
    public BenchOptions setConnectionMode(ConnectionMode m) { this.connectionMode = m; return this; }
    public int getConnections() { return connections; }
    /** Concurrent virtual users (= connections in keep-alive mode, = max requests in flight in open loop). Default 32. */
    public BenchOptions setConnections(int connections) { this.connections = connections; return this; }
    public double getRate() { return rate; }
    /** Open-loop arrival rate in requests per second over all users; 0 (default) = closed loop. */
    public BenchOptions setRate(double rate) { this.rate = rate; return this; }
    public Duration getDuration() { return duration; }
    /** Measured duration after the warm-up. Default 10 s, at most 2 h. */
    public BenchOptions setDuration(Duration duration) { this.duration = Objects.requireNonNull(duration); return this; }
    public Duration getWarmup() { return warmup; }
    /** Load before the measured phase that is not counted (JIT, caches, first handshakes). Default 2 s; 0 = none. */
    public BenchOptions setWarmup(Duration warmup) { this.warmup = Objects.requireNonNull(warmup); return this; }
    public Duration getTimeout() { return timeout; }
    /** Connect and read timeout of one request. Default 5 s. */
    public BenchOptions setTimeout(Duration timeout) { this.timeout = Objects.requireNonNull(timeout); return this; }
    public String getTlsVersion() { return tlsVersion; }
    /** "1.3", "1.2" or null (default: offer both, the server picks). */
    public BenchOptions setTlsVersion(String tlsVersion) { this.tlsVersion = tlsVersion; return this; }
    public Provider getProvider() { return provider; }
    /** Client TLS provider. Default Conscrypt (BoringSSL, like the servers compared against). */
    public BenchOptions setProvider(Provider provider) { this.provider = Objects.requireNonNull(provider); return this; }
    public boolean isInsecure() { return insecure; }
    /** Accept any server certificate and skip host-name checks. Default false. */
    public BenchOptions setInsecure(boolean insecure) { this.insecure = insecure; return this; }
    public Path getCaCert() { return caCert; }
    /** PEM file of the CA certificate(s) to trust; host names are then verified. */
    public BenchOptions setCaCert(Path caCert) { this.caCert = caCert; return this; }
    public String getServerName() { return serverName; }
    /** SNI and Host header; null (default) = the URL's host. */
    public BenchOptions setServerName(String serverName) { this.serverName = serverName; return this; }
    public String getMethod() { return method; }
    /** HTTP method, default GET. */
    public BenchOptions setMethod(String method) { this.method = method; return this; }
    public List<String> getHeaders() { return headers; }
    /** Extra request headers, "Name: value". */
    public BenchOptions addHeader(String header) { this.headers.add(header); return this; }
    public String getBackendHeader() { return backendHeader; }
    /** Response header naming the backend that answered. Default X-Backend-Id; null or "" = do not look at headers. */
    public BenchOptions setBackendHeader(String backendHeader) { this.backendHeader = backendHeader; return this; }
    public String getBackendPattern() { return backendPattern; }
    /** Regex with one group finding the backend id in the body when the header is absent. Default {@code backend=(...)}. */
    public BenchOptions setBackendPattern(String backendPattern) { this.backendPattern = backendPattern; return this; }
    public String getHook() { return hook; }
    /** Shell command ({@code /bin/sh -c}) run once at {@link #getHookAt()} into the measured phase; null = none. */
    public BenchOptions setHook(String hook) { this.hook = hook; return this; }
    public Duration getHookAt() { return hookAt; }
    /** When the hook starts, counted from the start of the measured phase. Default 5 s. */
    public BenchOptions setHookAt(Duration hookAt) { this.hookAt = Objects.requireNonNull(hookAt); return this; }
    public long getServerPid() { return serverPid; }
    /** PID of the server process; its CPU-seconds (and its children's) are then reported per operation. 0 = unknown. */
    public BenchOptions setServerPid(long serverPid) { this.serverPid = serverPid; return this; }
    public Path getHaproxyStatsSocket() { return haproxyStatsSocket; }
    /** HAProxy admin socket: its own count of full/resumed handshakes is then reported. null = none. */
    public BenchOptions setHaproxyStatsSocket(Path p) { this.haproxyStatsSocket = p; return this; }
    public Path getJsonOut() { return jsonOut; }
    /** Where to write the JSON result; null = not written. */
    public BenchOptions setJsonOut(Path jsonOut) { this.jsonOut = jsonOut; return this; }
    public Path getHtmlOut() { return htmlOut; }
    /** Where to write the HTML report; null = not written. */
    public BenchOptions setHtmlOut(Path htmlOut) { this.htmlOut = htmlOut; return this; }
    public String getLabel() { return label; }
    /** Free text naming the run in reports; null = scenario + URL. */
    public BenchOptions setLabel(String label) { this.label = label; return this; }
    public Boolean getRetryClosedKeepAlive() { return retryClosedKeepAlive; }
    /**
     * When a persistent connection turns out to be closed by the server, send the request again once on a new
     * connection (what browsers do for idempotent requests), counted as a retry, not an error. null (default) = yes,
     * except in the failover scenario, where such a failure is an error.
     */
    public BenchOptions setRetryClosedKeepAlive(Boolean retry) { this.retryClosedKeepAlive = retry; return this; }
    public int getMaxViolationsListed() { return maxViolationsListed; }
    /** Users whose stickiness violations are listed (first violating request + count); all are counted. Default 200. */
    public BenchOptions setMaxViolationsListed(int n) { this.maxViolationsListed = n; return this; }
}
