package io.sslfarm.cluster.internal;

import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs cluster values this member refused to read: a class the {@link DeserializationFilter} does not
 * allow, a value of the wrong type, or a sealed value a reader refused (metadata that does not match its seal, a
 * version or generation that does not increase). All mean someone other than a farm node wrote the entry. The entry
 * is then treated as absent (or the value already accepted stays in force); the member goes on.
 */
final class RejectedValues {

  private static final Logger log = LoggerFactory.getLogger(RejectedValues.class);

  private final LongAdder count = new LongAdder();

  void record(String map, Object key, Throwable cause) {
    count.increment();
    log.warn("cluster map {}: entry {} refused (not a value a farm node writes; rogue writer on the cluster port?): {}",
        map, key, rootMessage(cause));
  }

  void recordWrongType(String map, Object key, Object value) {
    count.increment();
    log.warn("cluster map {}: entry {} refused: a {} where a farm node writes JSON text", map, key,
        value.getClass().getName());
  }

  void recordSealed(String map, Object key, String reason) {
    count.increment();
    log.warn("cluster map {}: entry {} refused (rogue writer or replay on the cluster port?): {}", map, key, reason);
  }

  long count() {
    return count.sum();
  }

  private static String rootMessage(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r == t ? t.toString() : t.getClass().getSimpleName() + ": " + r;
  }
}
