package io.sslfarm.ssl.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code openssl s_client} with a bounded timeout and returns what it printed. */
public final class SClient {

  private SClient() {
  }

  /** One s_client run; {@code tls} is "1.3" or "1.2"; {@code alpn}, {@code sessOut}, {@code sessIn} may be null. */
  public static String run(int port, String serverName, String tls, String alpn, Path sessOut, Path sessIn)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + port,
        "-ign_eof", tls.equals("1.3") ? "-tls1_3" : "-tls1_2"));
    if (serverName != null) {
      cmd.addAll(List.of("-servername", serverName));
    } else {
      cmd.add("-noservername");
    }
    if (alpn != null) {
      cmd.addAll(List.of("-alpn", alpn));
    }
    if (sessOut != null) {
      cmd.addAll(List.of("-sess_out", sessOut.toString()));
    }
    if (sessIn != null) {
      cmd.addAll(List.of("-sess_in", sessIn.toString()));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      p.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      p.getOutputStream().close();
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("s_client did not finish in 15s");
      }
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
    }
  }
}
