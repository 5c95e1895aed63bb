package dev.sheepdog.gateway;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the gateway logs while open. slf4j-simple looks {@code System.err} up on every line (it
 * caches the stream only when {@code org.slf4j.simpleLogger.cacheOutputStream} is set), so swapping
 * {@code System.err} catches every logger, on every thread; the lines still reach the console too.
 */
final class LogCapture implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  LogCapture() {
    OutputStream tee = new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (captured) {
          captured.write(b);
        }
        original.write(b);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) {
        synchronized (captured) {
          captured.write(bytes, offset, length);
        }
        original.write(bytes, offset, length);
      }
    };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  String text() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8);
    }
  }

  List<String> lines(Predicate<String> filter) {
    return Arrays.stream(text().split("\n")).filter(filter).toList();
  }

  /**
   * The lines matching {@code filter} once there are {@code count} of them: a response may reach
   * the client before the line about it is written.
   */
  List<String> await(Predicate<String> filter, int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> lines = lines(filter);
    while (lines.size() < count && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      lines = lines(filter);
    }
    return lines;
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
