package io.sslfarm.cluster;

import java.nio.file.Path;
import java.util.List;

/** A durable-state store file failed its checksum or is truncated; the message names every such file. */
public final class CorruptStateException extends RuntimeException {

  private final List<Path> files;

  public CorruptStateException(String message, List<Path> files) {
    super(message);
    this.files = List.copyOf(files);
  }

  /** The bad files. */
  public List<Path> files() {
    return files;
  }
}
