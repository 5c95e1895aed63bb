package dev.sheepdog.adapter.openai.internal;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a server-sent-event stream incrementally: bytes in, in pieces cut anywhere, events out.
 * One parser serves every transport, so the stream is read the same way whoever carries it.
 *
 * <p>It follows the event-stream grammar of the HTML standard: lines end with CRLF, LF or CR (a
 * CRLF split across two pieces is one line end); a line starting with {@code :} is a comment; a
 * field's value starts after its colon, less one leading space ({@code data:x} and {@code data: x}
 * are the same); several {@code data} lines join with {@code \n}; a blank line dispatches the
 * event, if it has data; an event left incomplete when the stream ends is dropped. A leading byte
 * order mark is skipped. {@code id} and {@code retry} are read and ignored: the router never
 * reconnects a stream.
 *
 * <p>Memory is bounded: a line, or the data of one event, longer than {@code maxEventBytes} fails
 * the stream with {@link FailureKind#MALFORMED_RESPONSE} instead of growing without end.
 *
 * <p>Not thread-safe: a transport feeds one stream's bytes in order, from one thread at a time.
 */
public final class SseEventParser {
  /** An event larger than this is not an answer any model streams; it is a broken upstream. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024;

  private static final String DEFAULT_TYPE = "message";
  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final byte[] DATA = {'d', 'a', 't', 'a'};
  private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};

  /** Receives each whole event. */
  @FunctionalInterface
  public interface Handler {
    /**
     * @param type the {@code event} field, {@code message} when the event names none
     * @param data the {@code data} lines joined with {@code \n}
     */
    void onEvent(String type, String data);
  }

  private final Handler handler;
  private final int maxEventBytes;
  private byte[] line = new byte[512];
  private int lineLength;
  private boolean afterCr;
  private boolean firstLine = true;
  private byte[] scratch;
  private String type;
  private String data;
  private StringBuilder moreData;
  private int dataBytes;

  public SseEventParser(Handler handler) {
    this(handler, DEFAULT_MAX_EVENT_BYTES);
  }

  public SseEventParser(Handler handler, int maxEventBytes) {
    if (maxEventBytes < 1) {
      throw new IllegalArgumentException("maxEventBytes must be at least 1, was " + maxEventBytes);
    }
    this.handler = handler;
    this.maxEventBytes = maxEventBytes;
  }

  /** Reads the buffer's remaining bytes, dispatching every event they complete. */
  public void feed(ByteBuffer buffer) {
    if (buffer.hasArray()) {
      int offset = buffer.arrayOffset() + buffer.position();
      int length = buffer.remaining();
      buffer.position(buffer.limit());
      feed(buffer.array(), offset, length);
      return;
    }
    if (scratch == null) {
      scratch = new byte[8192];
    }
    while (buffer.hasRemaining()) {
      int length = Math.min(scratch.length, buffer.remaining());
      buffer.get(scratch, 0, length);
      feed(scratch, 0, length);
    }
  }

  /**
   * Reads {@code length} bytes, dispatching every event they complete.
   *
   * @throws ProviderException {@link FailureKind#MALFORMED_RESPONSE} when a line or an event
   *     grows past the bound
   */
  public void feed(byte[] bytes, int offset, int length) {
    int i = offset;
    int end = offset + length;
    while (i < end) {
      if (afterCr) {
        afterCr = false;
        if (bytes[i] == LF) {
          i++;
          continue;
        }
      }
      int start = i;
      while (i < end && bytes[i] != LF && bytes[i] != CR) {
        i++;
      }
      append(bytes, start, i - start);
      if (i == end) {
        return;
      }
      afterCr = bytes[i] == CR;
      i++;
      lineEnded();
    }
  }

  private void append(byte[] bytes, int offset, int length) {
    if (length == 0) {
      return;
    }
    if ((long) lineLength + length + dataBytes > maxEventBytes) {
      throw new ProviderException(FailureKind.MALFORMED_RESPONSE, 200,
          "an event of the stream is larger than " + maxEventBytes + " bytes");
    }
    if (lineLength + length > line.length) {
      line = Arrays.copyOf(line, Math.max(lineLength + length, Math.min(line.length * 2, maxEventBytes)));
    }
    System.arraycopy(bytes, offset, line, lineLength, length);
    lineLength += length;
  }

  private void lineEnded() {
    int start = 0;
    if (firstLine) {
      firstLine = false;
      if (lineLength >= 3 && line[0] == (byte) 0xEF && line[1] == (byte) 0xBB && line[2] == (byte) 0xBF) {
        start = 3;
      }
    }
    int length = lineLength - start;
    lineLength = 0;
    if (length == 0) {
      dispatch();
      return;
    }
    if (line[start] == ':') {
      return;
    }
    int colon = indexOfColon(start, start + length);
    int nameEnd = colon < 0 ? start + length : colon;
    int valueStart = colon < 0 ? start + length : colon + 1;
    if (valueStart < start + length && line[valueStart] == ' ') {
      valueStart++;
    }
    if (is(DATA, start, nameEnd)) {
      int valueLength = start + length - valueStart;
      addData(new String(line, valueStart, valueLength, StandardCharsets.UTF_8), valueLength);
    } else if (is(EVENT, start, nameEnd)) {
      type = new String(line, valueStart, start + length - valueStart, StandardCharsets.UTF_8);
    }
    // id, retry and unknown fields: nothing the router acts on
  }

  private void addData(String value, int bytes) {
    dataBytes += bytes + 1;
    if (data == null) {
      data = value;
      return;
    }
    if (moreData == null) {
      moreData = new StringBuilder(data.length() + value.length() + 16).append(data);
    }
    moreData.append('\n').append(value);
  }

  private void dispatch() {
    String eventType = type == null || type.isEmpty() ? DEFAULT_TYPE : type;
    String eventData = moreData != null ? moreData.toString() : data;
    type = null;
    data = null;
    moreData = null;
    dataBytes = 0;
    if (eventData != null) {
      handler.onEvent(eventType, eventData);
    }
  }

  private int indexOfColon(int from, int to) {
    for (int i = from; i < to; i++) {
      if (line[i] == ':') {
        return i;
      }
    }
    return -1;
  }

  private boolean is(byte[] name, int from, int to) {
    if (to - from != name.length) {
      return false;
    }
    for (int i = 0; i < name.length; i++) {
      if (line[from + i] != name[i]) {
        return false;
      }
    }
    return true;
  }
}
