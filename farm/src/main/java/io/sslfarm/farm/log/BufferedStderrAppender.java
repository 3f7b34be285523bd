package io.sslfarm.farm.log;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * stderr through a buffer that is written when full, every {@code flushMillis} and when the JVM exits: one
 * {@code write(2)} per {@code bufferSize} bytes instead of one per line. For the access log, whose lines the event
 * loops write on every request (nginx: {@code access_log ... buffer=32k flush=1s}); other logs keep the immediate
 * {@code ConsoleAppender}. A line therefore reaches stderr up to {@code flushMillis} late, and its order against
 * other loggers' lines on the same stream is kept only within that window.
 *
 * <pre>
 * &lt;appender name="ACCESS" class="io.sslfarm.farm.log.BufferedStderrAppender"&gt;
 *   &lt;bufferSize&gt;32768&lt;/bufferSize&gt; &lt;flushMillis&gt;1000&lt;/flushMillis&gt;
 *   &lt;encoder&gt;&lt;pattern&gt;%msg%n&lt;/pattern&gt;&lt;/encoder&gt;
 * &lt;/appender&gt;
 * </pre>
 */
public final class BufferedStderrAppender<E> extends OutputStreamAppender<E> {

  private int bufferSize = 32 * 1024;
  private long flushMillis = 1000;
  private ScheduledExecutorService flusher;
  private Thread exitHook;
  private volatile OutputStream buffered;
  private OutputStream sink = new FileOutputStream(FileDescriptor.err);

  /** Tests: where the buffer goes instead of fd 2. */
  void setSinkForTest(OutputStream sink) {
    this.sink = sink;
  }

  public void setBufferSize(int bytes) {
    this.bufferSize = bytes;
  }

  public void setFlushMillis(long millis) {
    this.flushMillis = millis;
  }

  @Override
  public void start() {
    if (bufferSize < 512 || flushMillis < 10) {
      addError("bufferSize must be at least 512 and flushMillis at least 10, got " + bufferSize + " / " + flushMillis);
      return;
    }
    // never close fd 2 (stop() closes the appender's stream): a close only flushes
    OutputStream err = new FilterOutputStream(sink) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
    BufferedOutputStream b = new BufferedOutputStream(err, bufferSize); // synchronized: the flusher may flush it
    buffered = b;
    setImmediateFlush(false);
    setOutputStream(b);
    flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sslfarm-log-flush");
      t.setDaemon(true);
      return t;
    });
    flusher.scheduleWithFixedDelay(this::flushQuietly, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    exitHook = new Thread(this::flushQuietly, "sslfarm-log-flush-at-exit");
    Runtime.getRuntime().addShutdownHook(exitHook);
    super.start();
  }

  private void flushQuietly() {
    OutputStream b = buffered;
    if (b != null) {
      try {
        b.flush();
      } catch (IOException e) {
        addError("flushing stderr failed", e);
      }
    }
  }

  @Override
  public void stop() {
    if (flusher != null) {
      flusher.shutdownNow();
    }
    if (exitHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(exitHook);
      } catch (IllegalStateException e) {
        // stopping during JVM exit: the hook runs anyway
      }
    }
    flushQuietly();
    super.stop();
  }
}
