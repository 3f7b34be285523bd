package io.sslfarm.bench.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server process the harness started itself, in the foreground, so that its PID is known and stopping it ends
 * exactly that process (and, through it, its own workers). Never looks processes up by name.
 */
public final class ManagedProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ManagedProcess.class);

    private final String name;
    private final Process process;
    private final Path logFile;

    private ManagedProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /** Starts {@code command}, then waits until 127.0.0.1:port accepts connections (or fails with the log's tail). */
    public static ManagedProcess start(String name, List<String> command, Path logFile, int port, Duration wait) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        ManagedProcess mp = new ManagedProcess(name, p, logFile);
        log.info("started {} pid {}: {}", name, p.pid(), String.join(" ", command));
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IOException(name + " exited with " + p.exitValue() + ": " + mp.logTail());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return mp;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    mp.close();
                    throw new IOException("interrupted while starting " + name);
                }
            }
        }
        mp.close();
        throw new IOException(name + " did not listen on 127.0.0.1:" + port + " within " + wait + ": " + mp.logTail());
    }

    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    public String logTail() {
        try {
            byte[] b = Files.readAllBytes(logFile);
            int from = Math.max(0, b.length - 2000);
            return new String(b, from, b.length - from, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM to the process we started; SIGKILL to it after 5 s. Its workers exit with their master. */
    @Override
    public void close() {
        if (!process.isAlive()) return;
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                log.warn("{} (pid {}) ignored SIGTERM for 5 s: killing it", name, process.pid());
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // workers of the process we started (nginx) normally exit with it; end any left behind, by their own pid
        for (ProcessHandle c : children) {
            if (c.isAlive()) c.destroy();
        }
        log.info("stopped {} (pid {})", name, process.pid());
    }
}
