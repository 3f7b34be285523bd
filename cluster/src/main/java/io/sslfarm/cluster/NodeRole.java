package io.sslfarm.cluster;

import java.util.Locale;

/** What a farm node does; the order follows a connection from downstream to upstream. */
public enum NodeRole {
  EDGE, SSL, ROUTER, BACKEND;

  /** The lower-case name used in config files and on the command line. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static NodeRole parse(String s) {
    for (NodeRole r : values()) {
      if (r.id().equalsIgnoreCase(s.trim())) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown role '" + s + "' (edge, ssl, router, backend)");
  }
}
