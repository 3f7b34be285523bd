package io.sslfarm.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.Native;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

/**
 * Native epoll for the L4 tiers: whether it really works, and a fix that keeps epoll channels working after TCP
 * half-close.
 *
 * <h2>Usable</h2>
 * {@link Epoll#isAvailable()} can be true while JNI methods that newer Java classes expect are missing from an older
 * native library (netty-transport-native-epoll 4.2.18's library with 4.2.20's {@code netty-transport-native-unix-common}:
 * {@code errnoENAMETOOLONG} is missing and every outgoing connect fails with {@code NoClassDefFoundError:
 * io.netty.channel.unix.Errors}). Initializing that class once proves the JNI table matches.
 *
 * <h2>Half-close</h2>
 * Netty 4.2 (checked 4.2.18 to 4.2.20, {@code EpollIoHandler.DefaultEpollIoRegistration.submit}) removes a channel's
 * fd from the epoll set ({@code EPOLL_CTL_DEL}) as soon as its interest set becomes empty, but keeps the registration
 * marked "added". A relayed socket reaches an empty set after the peer's FIN: input shut down (no {@code EPOLLIN}, no
 * {@code EPOLLRDHUP}) while nothing waits to be written (no {@code EPOLLOUT}). The first later write that fills the
 * socket buffer asks for {@code EPOLLOUT} with {@code EPOLL_CTL_MOD}, which fails with {@code ENOENT}, and Netty shuts
 * the channel's output down under the relay ({@code ChannelOutputShutdownException} caused by "epoll_ctl(..) failed
 * with error(-2)"): a client still uploading after the server finished its answer is cut off.
 * {@link #keepRegistered(Channel)} adds {@code EPOLLERR} to the channel's interest set. The kernel reports
 * {@code EPOLLERR} whether asked or not, so no event changes, but the set is never empty and the fd stays registered
 * until the channel closes. The method is protected in Netty and the epoll channel classes are final, hence one
 * reflective handle, resolved once; if that fails the fix is reported unavailable and the tiers run on NIO. {@link Relay} applies the fix to both of its channels.
 */
public final class EpollTransport {

  private static final Throwable UNUSABLE_CAUSE = probe();
  private static final MethodHandle SET_FLAG = setFlagHandle();

  private EpollTransport() {
  }

  private static Throwable probe() {
    try {
      if (!Epoll.isAvailable()) {
        return Epoll.unavailabilityCause();
      }
      Class.forName("io.netty.channel.unix.Errors", true, EpollTransport.class.getClassLoader());
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  private static MethodHandle setFlagHandle() {
    if (UNUSABLE_CAUSE != null) {
      return null;
    }
    try {
      // package-private class, protected method: io.netty.channel.epoll.AbstractEpollChannel#setFlag(int)
      Method m = Class.forName("io.netty.channel.epoll.AbstractEpollChannel").getDeclaredMethod("setFlag", int.class);
      m.setAccessible(true);
      return MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(void.class, Channel.class, int.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** True if epoll loads, its JNI methods match the Java classes, and the half-close fix can be applied. */
  public static boolean usable() {
    return UNUSABLE_CAUSE == null && SET_FLAG != null;
  }

  /** Why epoll is not usable, or null. */
  public static Throwable unusableCause() {
    if (UNUSABLE_CAUSE != null) {
      return UNUSABLE_CAUSE;
    }
    return SET_FLAG == null ? new IllegalStateException("AbstractEpollChannel.setFlag(int) is not reachable") : null;
  }

  /** Outgoing epoll sockets, already fixed (before registration, so it costs no system call). */
  public static ChannelFactory<Channel> channelFactory() {
    return () -> keepRegistered(new EpollSocketChannel());
  }

  /**
   * Applies the half-close fix to an epoll channel (on its event loop once registered); other channels are returned
   * as they are.
   */
  public static Channel keepRegistered(Channel ch) {
    if (SET_FLAG != null && ch instanceof EpollSocketChannel) {
      try {
        SET_FLAG.invokeExact(ch, Native.EPOLLERR);
      } catch (Throwable t) {
        throw new ChannelException("cannot keep " + ch + " in the epoll set", t);
      }
    }
    return ch;
  }
}
