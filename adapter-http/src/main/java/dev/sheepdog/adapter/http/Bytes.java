package dev.sheepdog.adapter.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with a bound. Not thread-safe: its owner guards it. */
final class Bytes {
  private byte[] bytes = new byte[256];
  private int size;

  int size() {
    return size;
  }

  /** Copies {@code length} bytes of {@code from} (from its position on), and moves its position past them. */
  void append(ByteBuffer from, int length) {
    if (size + length > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(size + length, bytes.length * 2));
    }
    from.get(bytes, size, length);
    size += length;
  }

  /** As much of {@code from} as fits under {@code max} bytes; {@code false} when some did not fit. */
  boolean appendUpTo(ByteBuffer from, int max) {
    int take = Math.min(from.remaining(), max - size);
    append(from, take);
    boolean fitted = !from.hasRemaining();
    from.position(from.limit());
    return fitted;
  }

  /** The bytes as UTF-8 text, without a trailing {@code \r}. */
  String line() {
    int length = size > 0 && bytes[size - 1] == '\r' ? size - 1 : size;
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  String text() {
    return new String(bytes, 0, size, StandardCharsets.UTF_8);
  }

  void clear() {
    size = 0;
    if (bytes.length > 64 * 1024) {
      bytes = new byte[256]; // one long line does not keep its buffer for the rest of the stream
    }
  }
}
