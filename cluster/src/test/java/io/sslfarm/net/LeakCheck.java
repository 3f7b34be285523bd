package io.sslfarm.net;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Runs a test class with Netty's leak detector at PARANOID (every buffer tracked) and fails it if the detector reports a
 * leak: the detector logs {@code LEAK: ...} at ERROR when a tracked buffer is garbage-collected unreleased.
 */
final class LeakCheck implements BeforeAllCallback, AfterAllCallback {

  private ResourceLeakDetector.Level previous;
  private ListAppender<ILoggingEvent> appender;
  private Logger logger;

  @Override
  public void beforeAll(ExtensionContext context) {
    previous = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      // leaks are reported when a later buffer is tracked after the leaked one was collected
      for (int i = 0; i < 5; i++) {
        System.gc();
        Thread.sleep(50);
        for (int j = 0; j < 100; j++) {
          ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
          b.release();
          ByteBuf h = PooledByteBufAllocator.DEFAULT.heapBuffer(64);
          h.release();
        }
      }
      List<String> leaks = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains("LEAK")).toList();
      assertThat(leaks).as("Netty buffer leaks reported").isEmpty();
    } finally {
      logger.detachAppender(appender);
      ResourceLeakDetector.setLevel(previous);
    }
  }
}
