package io.sslfarm.net;

/**
 * Observes one {@link Relay}: bytes as they are relayed and the end. Called on the relay's event loop (the downstream
 * channel's), in order; implementations must not block (increment a counter, record a sample). A listener that
 * throws is logged and otherwise ignored.
 */
public interface RelayListener {

  /** No callbacks. */
  RelayListener NOOP = new RelayListener() {
  };

  /**
   * {@code bytes} were read from one side and handed to the other (or buffered while the upstream connects).
   *
   * @param direction {@link Relay.Direction#TO_UPSTREAM} for bytes from the client, {@code TO_DOWNSTREAM} for replies
   */
  default void onBytes(Relay.Direction direction, int bytes) {
  }

  /** Once, when both channels are closed (or the downstream one, if no upstream was ever attached). */
  default void onClosed(RelayStats stats) {
  }
}
