package io.sslfarm.farm;

/** A failure the CLI reports as one line on stderr with an exit code (2 = usage/config, 1 = runtime). */
public final class CliException extends RuntimeException {

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
