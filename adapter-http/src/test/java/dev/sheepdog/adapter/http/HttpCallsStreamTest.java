package dev.sheepdog.adapter.http;

import static dev.sheepdog.adapter.http.HttpCallsSendTest.ERRORS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.adapter.http.Upstream.Recorder;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.testkit.HttpUpstream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import org.eclipse.jetty.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link HttpCalls#streamLines}: lines to chunks, one end, the first-line timeout, cancellation, bounds. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpCallsStreamTest {
  private static final CallOptions OPTIONS = CallOptions.of(Duration.ofSeconds(10), "r1");
  private static final Duration QUIET = Duration.ofMillis(200);
  /** A line is a piece of text; "END" is the upstream's end marker; "BAD" cannot be read. */
  private static final LineHandler LINES = (line, out) -> {
    if (line.equals("END")) {
      out.end(ChatChunk.ofText("s", "m", "", "stop"));
    } else if (line.equals("BAD")) {
      throw new IllegalArgumentException("not a line of ours");
    } else {
      out.chunk(ChatChunk.ofText("s", "m", line, null));
    }
  };

  private final Upstream upstream = new Upstream();
  private final HttpCalls http = HttpCalls.create().errors(ERRORS);
  private final Recorder listener = new Recorder();

  @AfterEach
  void stop() throws Exception {
    upstream.close();
  }

  private StreamHandle stream(HttpCalls calls, Request request, CallOptions options) {
    return calls.streamLines(request, options, listener, LINES);
  }

  private void assertQuietAfterTheEnd() throws InterruptedException {
    Thread.sleep(QUIET.toMillis());
    assertThat(listener.completed.get() + listener.errors.get()).as("ends").isEqualTo(1);
    assertThat(listener.late.get()).as("signals after the end").isZero();
  }

  @Test
  void lines_become_chunks_in_order_and_the_end_marker_completes_the_stream_once() throws Exception {
    // given: lines cut anywhere, a CRLF, blank keep-alives, an "é" split between two writes
    byte[] accented = "caf\u00e9\n".getBytes(StandardCharsets.UTF_8);
    upstream.enqueue(Upstream.pieces(Duration.ofMillis(5), List.of(bytes("Hel"), bytes("lo\n\n  \nwor"),
        bytes("ld\r\n"), Arrays.copyOf(accented, 4), Arrays.copyOfRange(accented, 4, accented.length),
        bytes("\nEND\n"))));
    // when
    stream(http, upstream.post(), OPTIONS);
    // then
    listener.awaitEnd();
    assertThat(listener.error).isNull();
    assertThat(listener.texts()).containsExactly("Hello", "world", "caf\u00e9", "");
    assertThat(listener.chunks.get(3).finishReason()).isEqualTo("stop");
    assertQuietAfterTheEnd();
  }

  @Test
  void a_body_that_ends_without_the_end_marker_is_an_error_never_a_short_answer() throws Exception {
    // given
    upstream.enqueue(Upstream.pieces(Duration.ZERO, "Partial \n", "answer\n"));
    // when
    stream(http, upstream.post(), OPTIONS);
    // then
    listener.awaitEnd();
    assertThat(listener.completed.get()).isZero();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(listener.texts()).containsExactly("Partial ", "answer");
    assertQuietAfterTheEnd();
  }

  @Test
  void a_last_line_without_its_line_break_is_read_and_what_follows_the_end_is_dropped() throws Exception {
    // given
    upstream.enqueue(Upstream.pieces(Duration.ZERO, "a\nEND"));
    upstream.enqueue(Upstream.pieces(Duration.ZERO, "b\nEND\nc\nBAD\n"));
    Recorder second = new Recorder();
    // when
    stream(http, upstream.post(), OPTIONS);
    listener.awaitEnd();
    http.streamLines(upstream.post(), OPTIONS, second, LINES);
    second.awaitEnd();
    // then
    assertThat(listener.completed.get()).isEqualTo(1);
    assertThat(listener.texts()).containsExactly("a", "");
    assertThat(second.completed.get()).isEqualTo(1);
    assertThat(second.texts()).containsExactly("b", "");
    assertQuietAfterTheEnd();
    assertThat(second.late.get()).isZero();
  }

  @Test
  void a_line_the_handler_cannot_read_ends_the_stream_and_aborts_the_exchange() throws Exception {
    // given: a good line, a bad one, then more lines for as long as the connection stays open
    upstream.enqueue(upstream.endless("ok\nBAD\n", "more\n", Duration.ofMillis(20)));
    // when
    stream(http, upstream.post(), OPTIONS);
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(listener.error.providerMessage()).contains("not a line of ours");
    assertThat(listener.texts()).containsExactly("ok");
    assertThat(upstream.sawClosed(Duration.ofSeconds(5))).as("the server saw the connection closed").isTrue();
    assertQuietAfterTheEnd();
  }

  @Test
  void a_failure_the_handler_raises_ends_the_stream_as_it_is_with_the_key_masked() throws Exception {
    // given: the upstream reports an error mid-stream, echoing the key
    upstream.enqueue(Upstream.pieces(Duration.ZERO, "ok\n", "{\"error\":\"overloaded, " + Upstream.KEY + "\"}\n"));
    // when
    http.streamLines(upstream.post(), OPTIONS, listener, (line, out) -> {
      if (line.startsWith("{\"error\"")) {
        throw new ProviderException(FailureKind.UNAVAILABLE, 200, line);
      }
      out.chunk(ChatChunk.ofText("s", "m", line, null));
    });
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(listener.error.getMessage()).doesNotContain(Upstream.KEY).contains("overloaded, [redacted]");
    assertQuietAfterTheEnd();
  }

  @Test
  void a_line_over_the_bound_is_malformed() throws Exception {
    // given
    upstream.enqueue(Upstream.pieces(Duration.ZERO, "short\n", "x".repeat(40), "y".repeat(40) + "\nEND\n"));
    // when
    stream(http.maxBytes(64), upstream.post(), OPTIONS);
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(listener.error.providerMessage()).contains("a line over 64 bytes");
    assertThat(listener.texts()).containsExactly("short");
    assertQuietAfterTheEnd();
  }

  @Test
  void an_error_status_ends_the_stream_with_the_classified_failure_and_its_message() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(Upstream.reply(429, "{\"error\":\"slow down, " + Upstream.KEY + "\"}"))
        .setHeader("Retry-After", "2").build());
    // when
    stream(http, upstream.post(), OPTIONS);
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(listener.error.retryAfter()).hasValue(Duration.ofSeconds(2));
    assertThat(listener.error.providerMessage()).isEqualTo("slow down, [redacted]");
    assertThat(listener.chunks).isEmpty();
    assertQuietAfterTheEnd();
  }

  @Test
  void an_error_body_over_the_bound_is_classified_with_what_was_kept() throws Exception {
    // given
    upstream.enqueue(Upstream.reply(500, "e".repeat(10_000)));
    // when
    stream(http.maxBytes(100), upstream.post(), OPTIONS);
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(listener.error.providerMessage()).isEqualTo("e".repeat(100));
    assertQuietAfterTheEnd();
  }

  @Test
  void no_line_within_the_timeout_is_a_timeout_though_keep_alives_come() throws Exception {
    // given: blank lines only, every 20 ms
    upstream.enqueue(upstream.endless("", "\n", Duration.ofMillis(20)));
    // when
    stream(http, upstream.post(), CallOptions.of(Duration.ofMillis(300), "r1"));
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.TIMEOUT);
    assertThat(upstream.sawClosed(Duration.ofSeconds(5))).as("the server saw the connection closed").isTrue();
    assertQuietAfterTheEnd();
  }

  @Test
  void the_timeout_bounds_the_wait_for_the_first_line_only() throws Exception {
    // given: a first line at once, then a line every 100 ms for 800 ms
    List<String> pieces = new ArrayList<>(List.of("first\n"));
    for (int i = 0; i < 8; i++) {
      pieces.add("line " + i + "\n");
    }
    pieces.add("END\n");
    upstream.enqueue(Upstream.pieces(Duration.ofMillis(100), pieces.toArray(String[]::new)));
    // when
    stream(http, upstream.post(), CallOptions.of(Duration.ofMillis(300), "r1"));
    // then
    listener.awaitEnd();
    assertThat(listener.error).isNull();
    assertThat(listener.texts()).hasSize(10);
  }

  @Test
  void after_the_first_line_the_requests_idle_timeout_guards_each_silence() throws Exception {
    // given: one line, then 1.5 s of silence, on a request whose read timeout is 300 ms
    upstream.enqueue(upstream.endless("first\n", "late\n", Duration.ofMillis(1_500)));
    // when
    stream(http, upstream.post().idleTimeout(300, TimeUnit.MILLISECONDS), OPTIONS);
    // then
    listener.awaitEnd();
    assertThat(listener.texts()).containsExactly("first");
    assertThat(listener.error.kind()).isEqualTo(FailureKind.TIMEOUT);
    assertQuietAfterTheEnd();
  }

  @Test
  void cancelling_aborts_the_exchange_and_the_listener_hears_nothing_more() throws Exception {
    // given: a line every 5 ms for as long as the connection stays open
    upstream.enqueue(upstream.endless("", "tick\n", Duration.ofMillis(5)));
    CountDownLatch ticking = new CountDownLatch(3);
    Recorder recorder = new Recorder() {
      @Override
      public void onChunk(ChatChunk chunk) {
        super.onChunk(chunk);
        ticking.countDown();
      }
    };
    StreamHandle handle = http.streamLines(upstream.post(), OPTIONS, recorder, LINES);
    assertThat(ticking.await(10, TimeUnit.SECONDS)).isTrue();
    // when
    handle.cancel();
    recorder.cancelReturned = true;
    handle.cancel();
    // then
    assertThat(upstream.sawClosed(Duration.ofSeconds(5))).as("the server saw the connection closed").isTrue();
    Thread.sleep(QUIET.toMillis());
    assertThat(recorder.late.get()).as("signals after cancel() returned").isZero();
    assertThat(recorder.completed.get() + recorder.errors.get()).isZero();
  }

  @Test
  void cancelling_a_stream_whose_request_hangs_closes_its_connection() throws Exception {
    try (HttpUpstream hanging = HttpUpstream.start()) {
      // given
      hanging.enqueueHang();
      StreamHandle handle = stream(http, upstream.post(hanging.url("/v1")), CallOptions.of(Duration.ofMinutes(2), "r1"));
      assertThat(hanging.awaitHangingRequest(Duration.ofSeconds(10))).isTrue();
      // when
      handle.cancel();
      listener.cancelReturned = true;
      // then
      assertThat(hanging.awaitHangingClosed(Duration.ofSeconds(5))).as("the server saw the connection closed").isTrue();
      Thread.sleep(QUIET.toMillis());
      assertThat(listener.late.get()).isZero();
    }
  }

  @Test
  void a_listener_that_cancels_from_on_chunk_hears_nothing_more_of_that_line() throws Exception {
    // given: one line yields three chunks
    upstream.enqueue(Upstream.pieces(Duration.ZERO, "abc\n", "END\n"));
    AtomicReference<StreamHandle> handle = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    Recorder recorder = new Recorder() {
      @Override
      public void onChunk(ChatChunk chunk) {
        super.onChunk(chunk);
        awaitQuietly(started);
        handle.get().cancel();
        cancelReturned = true;
      }
    };
    // when
    handle.set(http.streamLines(upstream.post(), OPTIONS, recorder, (line, out) -> {
      for (char c : line.toCharArray()) {
        out.chunk(ChatChunk.ofText("s", "m", String.valueOf(c), null));
      }
    }));
    started.countDown();
    // then
    Thread.sleep(500);
    assertThat(recorder.texts()).containsExactly("a");
    assertThat(recorder.late.get()).isZero();
    assertThat(recorder.completed.get() + recorder.errors.get()).isZero();
  }

  @Test
  void a_cancel_racing_the_end_leaves_at_most_one_end_and_nothing_after_it_returned() throws Exception {
    for (int i = 0; i < 40; i++) {
      // given
      upstream.enqueue(Upstream.pieces(Duration.ZERO, "a\n", "b\n", "END\n"));
      Recorder recorder = new Recorder();
      StreamHandle handle = http.streamLines(upstream.post(), OPTIONS, recorder, LINES);
      // when
      Thread.sleep(ThreadLocalRandom.current().nextInt(0, 15));
      handle.cancel();
      recorder.cancelReturned = true;
      // then
      Thread.sleep(50);
      assertThat(recorder.completed.get() + recorder.errors.get()).as("ends, run %d", i).isLessThanOrEqualTo(1);
      assertThat(recorder.late.get()).as("signals after the end or the cancel, run %d", i).isZero();
    }
  }

  @Test
  void a_sink_is_usable_only_during_its_line() throws Exception {
    // given
    upstream.enqueue(Upstream.pieces(Duration.ZERO, "a\n", "END\n"));
    AtomicReference<LineHandler.Sink> kept = new AtomicReference<>();
    // when
    http.streamLines(upstream.post(), OPTIONS, listener, (line, out) -> {
      kept.compareAndSet(null, out);
      LINES.onLine(line, out);
    });
    listener.awaitEnd();
    // then
    assertThatThrownBy(() -> kept.get().chunk(ChatChunk.ofText("s", "m", "late", null)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(listener.texts()).containsExactly("a", "");
  }

  @Test
  void a_stopped_client_ends_the_stream_with_an_error_instead_of_throwing() throws Exception {
    // given
    Request request = upstream.post();
    upstream.client.stop();
    // when
    stream(http, request, OPTIONS);
    // then
    listener.awaitEnd();
    assertThat(listener.error).isNotNull();
    assertQuietAfterTheEnd();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
