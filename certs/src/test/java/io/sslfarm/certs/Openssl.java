package io.sslfarm.certs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs /usr/bin/openssl in a directory to make real key and certificate files for tests. */
public final class Openssl {

  private final Path dir;

  public Openssl(Path dir) {
    this.dir = dir;
  }

  /** Runs {@code openssl args…}; returns stdout. Fails the test on a non-zero exit or after 60 s. */
  public String run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("/usr/bin/openssl");
    cmd.addAll(List.of(args));
    Path err = Files.createTempFile(dir, "openssl", ".err");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(err.toFile()).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("openssl timed out: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("openssl failed (" + p.exitValue() + "): " + cmd + "\n" + Files.readString(err));
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  public String read(String file) throws IOException {
    return Files.readString(dir.resolve(file), StandardCharsets.US_ASCII);
  }

  public Path path(String file) {
    return dir.resolve(file);
  }

  public void write(String file, String content) throws IOException {
    Files.writeString(dir.resolve(file), content, StandardCharsets.US_ASCII);
  }

  /** A self-signed certificate for {@code key.pem}-style file with the given subject and SAN (null = none). */
  public String selfSigned(String keyFile, String certFile, String subject, String san)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("req", "-x509", "-new", "-key", keyFile, "-subj", subject, "-days",
        "30", "-out", certFile));
    if (san != null) {
      args.add("-addext");
      args.add("subjectAltName=" + san);
    }
    run(args.toArray(String[]::new));
    return read(certFile);
  }
}
