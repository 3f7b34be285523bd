package io.sslfarm.farm.backend;

import static io.sslfarm.config.ConfigTypes.PORT;
import static io.sslfarm.config.ConfigTypes.STRING;

import io.sslfarm.config.ConfigKey;
import java.util.List;

/** Keys of the demo backend. */
public final class BackendOptions {

  private BackendOptions() {
  }

  public static final ConfigKey<String> HOST = ConfigKey.of("backend.host", STRING, "127.0.0.1",
      "interface the demo backend listens on");
  public static final ConfigKey<Integer> PORT_KEY = ConfigKey.of("backend.port", PORT, 8081,
      "demo backend HTTP port; 0 = any free port");
  public static final ConfigKey<String> ID = ConfigKey.of("backend.id", STRING, "",
      "id the backend answers with; empty = the node id");

  public static final List<ConfigKey<?>> KEYS = List.of(HOST, PORT_KEY, ID);
}
