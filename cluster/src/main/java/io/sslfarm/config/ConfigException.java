package io.sslfarm.config;

/** A configuration error; the message starts with the key path, e.g. {@code edge.acl[2].cidr: not a CIDR}. */
public final class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  /** The key path the error is about. */
  public String key() {
    return key;
  }
}
