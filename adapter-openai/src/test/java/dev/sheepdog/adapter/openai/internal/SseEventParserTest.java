package dev.sheepdog.adapter.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseEventParserTest {
  /** Every rule at once: a byte order mark, CRLF, LF and CR line ends, comments, both data forms, multi-line data, fields to ignore, an event without data, multi-byte text, and an unterminated tail. */
  private static final byte[] TRICKY = concat(
      new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
      utf8(": a comment\r\n"
          + "event: delta\r\n"
          + "data:{\"a\":1}\r\n"
          + "data:  two spaces\n"
          + "\r\n"
          + "data: é ünïcödé 漢字 🐑\r"
          + "id: 7\r"
          + "retry: 10\r"
          + "\r"
          + "data\n"
          + "data: x\n"
          + "\n"
          + ":\n"
          + "event: no-data\n"
          + "\n"
          + "data: [DONE]\r\n"
          + "\r\n"
          + "data: never finished"));

  private static final List<String> EXPECTED = List.of(
      "delta|{\"a\":1}\n two spaces",
      "message|é ünïcödé 漢字 🐑",
      "message|\nx",
      "message|[DONE]");

  @Test
  void reads_the_tricky_stream_whole() {
    // when
    List<String> events = parse(List.of(TRICKY));
    // then
    assertThat(events).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void reads_the_same_events_however_the_stream_is_cut_in_two_or_three() {
    for (int i = 0; i <= TRICKY.length; i++) {
      for (int j = i; j <= TRICKY.length; j++) {
        // when
        List<String> events = parse(List.of(slice(0, i), slice(i, j), slice(j, TRICKY.length)));
        // then
        assertThat(events).as("cut at %d and %d", i, j).containsExactlyElementsOf(EXPECTED);
      }
    }
  }

  @Test
  void reads_the_same_events_one_byte_at_a_time_from_direct_buffers() {
    // given
    List<String> events = new ArrayList<>();
    SseEventParser parser = new SseEventParser((type, data) -> events.add(type + "|" + data));
    // when
    for (byte b : TRICKY) {
      ByteBuffer direct = ByteBuffer.allocateDirect(1).put(b).flip();
      parser.feed(direct);
      assertThat(direct.hasRemaining()).isFalse();
    }
    // then
    assertThat(events).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void reads_a_heap_buffer_slice_at_its_offset() {
    // given
    byte[] padded = concat(utf8("garbage"), TRICKY);
    ByteBuffer buffer = ByteBuffer.wrap(padded, 7, TRICKY.length).slice();
    List<String> events = new ArrayList<>();
    // when
    new SseEventParser((type, data) -> events.add(type + "|" + data)).feed(buffer);
    // then
    assertThat(events).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void an_event_past_the_bound_fails_as_malformed() {
    // given
    List<String> events = new ArrayList<>();
    SseEventParser parser = new SseEventParser((type, data) -> events.add(data), 64);
    parser.feed(utf8Buffer("data: " + "x".repeat(50) + "\n\n"));
    // when / then: a long line, many short lines of one event, a long comment
    assertThatThrownBy(() -> parser.feed(utf8Buffer("data: " + "y".repeat(80))))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
          assertThat(e.providerMessage()).contains("larger than 64 bytes");
        });
    SseEventParser lines = new SseEventParser((type, data) -> events.add(data), 64);
    assertThatThrownBy(() -> lines.feed(utf8Buffer("data: 0123456789\n".repeat(10))))
        .isInstanceOf(ProviderException.class);
    SseEventParser comments = new SseEventParser((type, data) -> events.add(data), 64);
    assertThatThrownBy(() -> comments.feed(utf8Buffer(":" + "z".repeat(100) + "\n")))
        .isInstanceOf(ProviderException.class);
    assertThat(events).containsExactly("x".repeat(50));
  }

  @Test
  void the_bound_is_per_event() {
    // given
    List<String> events = new ArrayList<>();
    SseEventParser parser = new SseEventParser((type, data) -> events.add(data), 64);
    // when
    for (int i = 0; i < 100; i++) {
      parser.feed(utf8Buffer("data: " + "w".repeat(50) + "\n\n"));
    }
    // then
    assertThat(events).hasSize(100);
  }

  private static List<String> parse(List<byte[]> pieces) {
    List<String> events = new ArrayList<>();
    SseEventParser parser = new SseEventParser((type, data) -> events.add(type + "|" + data));
    for (byte[] piece : pieces) {
      parser.feed(piece, 0, piece.length);
    }
    return events;
  }

  private static byte[] slice(int from, int to) {
    byte[] piece = new byte[to - from];
    System.arraycopy(TRICKY, from, piece, 0, piece.length);
    return piece;
  }

  private static ByteBuffer utf8Buffer(String text) {
    return ByteBuffer.wrap(utf8(text));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.write(part, 0, part.length);
    }
    return out.toByteArray();
  }
}
