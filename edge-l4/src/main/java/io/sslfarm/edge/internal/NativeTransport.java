package io.sslfarm.edge.internal;

import io.netty.channel.epoll.Epoll;

/**
 * Whether native epoll really works, not only loads. {@link Epoll#isAvailable()} can be true while JNI methods that
 * newer Java classes expect are missing from an older native library (netty-transport-native-epoll 4.2.18's
 * library with 4.2.20's {@code netty-transport-native-unix-common}: {@code errnoENAMETOOLONG} is missing and every
 * outgoing connect fails with {@code NoClassDefFoundError: io.netty.channel.unix.Errors}). Initializing that class
 * once proves the JNI table matches.
 */
public final class NativeTransport {

  private static final Throwable UNUSABLE_CAUSE = probe();

  private NativeTransport() {
  }

  private static Throwable probe() {
    try {
      if (!Epoll.isAvailable()) {
        return Epoll.unavailabilityCause();
      }
      Class.forName("io.netty.channel.unix.Errors", true, NativeTransport.class.getClassLoader());
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  /** True if epoll loads and its JNI methods match the Java classes. */
  public static boolean usable() {
    return UNUSABLE_CAUSE == null;
  }

  /** Why epoll is not usable, or null. */
  public static Throwable unusableCause() {
    return UNUSABLE_CAUSE;
  }
}
