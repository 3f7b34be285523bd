package io.sslfarm.farm.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BufferedStderrAppenderTest {

  /** Counts writes that reach the sink, and whether anyone closed it. */
  static final class Sink extends ByteArrayOutputStream {
    int writes;
    boolean closed;

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      writes++;
      super.write(b, off, len);
    }

    @Override
    public void close() {
      closed = true;
    }

    synchronized String text() {
      return toString(StandardCharsets.UTF_8);
    }
  }

  private static BufferedStderrAppender<ILoggingEvent> appender(Sink sink, int buffer, long flushMillis) {
    LoggerContext ctx = new LoggerContext();
    PatternLayoutEncoder enc = new PatternLayoutEncoder();
    enc.setContext(ctx);
    enc.setPattern("access %msg%n");
    enc.start();
    BufferedStderrAppender<ILoggingEvent> a = new BufferedStderrAppender<>();
    a.setContext(ctx);
    a.setEncoder(enc);
    a.setBufferSize(buffer);
    a.setFlushMillis(flushMillis);
    a.setSinkForTest(sink);
    a.start();
    assertThat(a.isStarted()).isTrue();
    return a;
  }

  private static final LoggerContext EVENTS = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();

  private static LoggingEvent event(String msg) {
    LoggingEvent e = new LoggingEvent();
    e.setLoggerContext(EVENTS);
    e.setLoggerName("sslfarm.access");
    e.setLevel(ch.qos.logback.classic.Level.INFO);
    e.setMessage(msg);
    e.setTimeStamp(System.currentTimeMillis());
    return e;
  }

  @Test
  void linesWaitInTheBuffer_thenTheFlusherWritesThemInOneWrite() {
    Sink sink = new Sink();
    BufferedStderrAppender<ILoggingEvent> a = appender(sink, 32 * 1024, 300);
    try {
      for (int i = 0; i < 50; i++) {
        a.doAppend(event("time=t" + i + " status=200"));
      }
      assertThat(sink.writes).as("nothing written per line").isZero();
      await().atMost(Duration.ofSeconds(5)).until(() -> sink.text().contains("time=t49"));
      assertThat(sink.writes).isEqualTo(1);
      assertThat(sink.text()).startsWith("access time=t0 status=200\n").contains("access time=t49 status=200\n");
    } finally {
      a.stop();
    }
  }

  @Test
  void aFullBufferIsWrittenAtOnce_andStopFlushesWithoutClosingTheStream() {
    Sink sink = new Sink();
    BufferedStderrAppender<ILoggingEvent> a = appender(sink, 1024, 60_000);

    String line = "x".repeat(100);
    for (int i = 0; i < 30; i++) {
      a.doAppend(event(line));
    }
    assertThat(sink.writes).as("about 3 KiB through a 1 KiB buffer").isBetween(2, 4);
    a.doAppend(event("last"));
    a.stop();
    assertThat(sink.text()).endsWith("access last\n");
    assertThat(sink.closed).as("fd 2 stays open").isFalse();
  }

  @Test
  void aTooSmallBufferIsAConfigError() {
    BufferedStderrAppender<ILoggingEvent> a = new BufferedStderrAppender<>();
    a.setContext(new LoggerContext());
    a.setBufferSize(10);
    a.start();
    assertThat(a.isStarted()).isFalse();
  }
}
