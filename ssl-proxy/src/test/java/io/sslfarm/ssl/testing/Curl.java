package io.sslfarm.ssl.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code curl} against {@code https://NAME:PORT/} (resolved to 127.0.0.1, any certificate accepted) with a
 * bounded timeout and returns the body followed by a line {@code proto=<negotiated HTTP version>}.
 */
public final class Curl {

  private Curl() {
  }

  /** One request; {@code flags} are extra curl options ({@code --http2}, {@code --no-alpn}, {@code --tlsv1.2}...). */
  public static String get(int port, String serverName, String... flags) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sk", "--max-time", "10", "--resolve",
        serverName + ":" + port + ":127.0.0.1", "-w", "\\nproto=%{http_version}"));
    cmd.addAll(List.of(flags));
    cmd.add("https://" + serverName + ":" + port + "/");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      p.getOutputStream().close();
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        throw new IOException("curl did not finish in 15s");
      }
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
    }
  }
}
