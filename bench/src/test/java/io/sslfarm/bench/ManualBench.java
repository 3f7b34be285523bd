package io.sslfarm.bench;

import io.sslfarm.bench.compare.CompareOptions;
import io.sslfarm.bench.compare.CompareResult;
import io.sslfarm.bench.compare.CompareRunner;
import io.sslfarm.bench.report.CompareReport;
import io.sslfarm.bench.report.SummaryTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs the harness by hand until the {@code sslfarm bench} picocli command exists (test scope only):
 * <pre>
 *   java -cp ... io.sslfarm.bench.ManualBench SCENARIO URL key=value...        (one run)
 *   java -cp ... io.sslfarm.bench.ManualBench compare SCENARIO key=value...    (haproxy + nginx [+ farm=URL farmPid=N])
 * keys: c rate d warmup tls insecure cacert json html hook hookAt pid mode provider servers workdir cpu repeat
 * </pre>
 */
public final class ManualBench {

    public static void main(String[] args) throws Exception {
        boolean compare = args[0].equals("compare");
        int i = compare ? 1 : 0;
        BenchOptions b = new BenchOptions().setScenario(Scenario.parse(args[i++]));
        if (!compare) b.setUrl(args[i++]);
        else b.setUrl("https://placeholder/");
        CompareOptions c = new CompareOptions().setBench(b);
        for (; i < args.length; i++) {
            String k = args[i].substring(0, args[i].indexOf('=')), v = args[i].substring(args[i].indexOf('=') + 1);
            switch (k) {
                case "c" -> b.setConnections(Integer.parseInt(v));
                case "rate" -> b.setRate(Double.parseDouble(v));
                case "d" -> b.setDuration(Duration.ofMillis((long) (Double.parseDouble(v) * 1000)));
                case "warmup" -> b.setWarmup(Duration.ofMillis((long) (Double.parseDouble(v) * 1000)));
                case "tls" -> b.setTlsVersion(v);
                case "insecure" -> b.setInsecure(Boolean.parseBoolean(v));
                case "cacert" -> b.setCaCert(Path.of(v));
                case "json" -> { b.setJsonOut(Path.of(v)); c.setJsonOut(Path.of(v)); }
                case "html" -> { b.setHtmlOut(Path.of(v)); c.setHtmlOut(Path.of(v)); }
                case "hook" -> b.setHook(v);
                case "hookAt" -> b.setHookAt(Duration.ofMillis((long) (Double.parseDouble(v) * 1000)));
                case "pid" -> b.setServerPid(Long.parseLong(v));
                case "mode" -> b.setConnectionMode(ConnectionMode.parse(v));
                case "provider" -> b.setProvider(BenchOptions.Provider.valueOf(v.toUpperCase()));
                case "stats" -> b.setHaproxyStatsSocket(Path.of(v));
                case "servers" -> c.setServers(v.isEmpty() ? List.of() : java.util.Arrays.stream(v.split(","))
                        .map(s -> CompareOptions.Server.valueOf(s.toUpperCase())).toList());
                case "farm" -> c.setFarmUrl(java.net.URI.create(v));
                case "farmPid" -> c.setFarmPid(Long.parseLong(v));
                case "backend" -> c.setBackend(v);
                case "workdir" -> c.setWorkdir(Path.of(v));
                case "cpu" -> c.setServerCpu(Integer.parseInt(v));
                case "repeat" -> c.setRepeat(Integer.parseInt(v));
                default -> throw new IllegalArgumentException("unknown key " + k);
            }
        }
        if (compare) {
            CompareResult r = CompareRunner.run(c, System.err::println);
            System.out.print(CompareReport.table(r));
        } else {
            BenchResult r = BenchRunner.run(b, System.err::println);
            System.out.print(SummaryTable.render(r));
        }
    }
}
