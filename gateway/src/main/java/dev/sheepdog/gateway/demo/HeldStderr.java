package dev.sheepdog.gateway.demo;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Holds what is written to {@link System#err} while the live view owns the terminal, so log lines
 * (slf4j-simple writes to {@code System.err}) do not tear the screen. Lines at INFO and below are
 * dropped, since the view shows what they say; the last {@value #KEPT} others are kept to print
 * once the view is gone.
 */
final class HeldStderr implements AutoCloseable {
  static final int KEPT = 50;

  private final PrintStream original;
  private final Deque<String> kept = new ArrayDeque<>();
  private int dropped;

  private HeldStderr(PrintStream original) {
    this.original = original;
  }

  /** Redirects {@code System.err} until {@link #close()}. */
  static HeldStderr hold() {
    HeldStderr held = new HeldStderr(System.err);
    System.setErr(new PrintStream(new LineSink(held), true, Charset.defaultCharset()));
    return held;
  }

  /** Puts {@code System.err} back; idempotent. */
  @Override
  public synchronized void close() {
    System.setErr(original);
  }

  /** The lines worth showing, oldest first, and how many more were cut. */
  synchronized List<String> kept() {
    List<String> lines = new ArrayList<>(kept);
    if (dropped > 0) {
      lines.add(0, "(" + dropped + " earlier lines not kept)");
    }
    return lines;
  }

  private synchronized void line(String line) {
    if (line.contains(" INFO ") || line.contains(" DEBUG ") || line.contains(" TRACE ") || line.isBlank()) {
      return;
    }
    if (kept.size() == KEPT) {
      kept.removeFirst();
      dropped++;
    }
    kept.addLast(line);
  }

  /** Splits what is written into lines. */
  private static final class LineSink extends OutputStream {
    private final HeldStderr held;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();

    LineSink(HeldStderr held) {
      this.held = held;
    }

    @Override
    public synchronized void write(int b) {
      if (b == '\n') {
        held.line(current.toString(Charset.defaultCharset()));
        current.reset();
      } else if (b != '\r') {
        current.write(b);
      }
    }
  }
}
