package io.sslfarm.cluster.internal;

import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.JavaSerializationFilterConfig;

/**
 * The allow-list for every value Hazelcast reads with Java serialization ({@code ObjectInputStream}) on a farm member
 * or client. A rogue writer that reaches a Hazelcast port can put any Serializable object into a farm map; without a
 * filter the reading member runs that class's {@code readObject} (a deserialization gadget) before the farm's code
 * ever sees the value.
 *
 * <p>The farm's own values never need Java serialization: every map holds JSON strings (and longs for load figures),
 * written with Hazelcast's built-in serializers. What remains is what Hazelcast itself sends member to member with Java
 * serialization (exceptions in error responses, with their stack traces and causes): its own classes, and the JDK
 * basics they are made of. Hazelcast's default list ({@code com.hazelcast.}, every {@code java*} package, arrays) is
 * switched off because the {@code java} prefix also admits {@code javax.management}, {@code java.net.URL},
 * {@code java.lang.reflect.Proxy} and the other usual gadget parts. A farm type that one day needs Java serialization
 * must be added here by class name.
 */
public final class DeserializationFilter {

  /** JDK packages allowed, each exactly (not its sub-packages): {@code java.lang} is not {@code java.lang.reflect}. */
  static final String[] JDK_PACKAGES = {"java.lang", "java.util", "java.util.concurrent", "java.io"};

  private DeserializationFilter() {
  }

  public static JavaSerializationFilterConfig config() {
    ClassFilter allow = new ClassFilter()
        // Hazelcast's own types (its exceptions travel Java-serialized inside error responses)
        .addPrefixes("com.hazelcast.")
        // arrays: each element's class is checked again when it is read (StackTraceElement[] of exceptions)
        .addPrefixes("[")
        .addPackages(JDK_PACKAGES);
    return new JavaSerializationFilterConfig().setDefaultsDisabled(true).setWhitelist(allow);
  }
}
