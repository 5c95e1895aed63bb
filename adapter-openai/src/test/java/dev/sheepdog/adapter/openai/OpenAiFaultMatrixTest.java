package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Usage;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One test per way an upstream can answer or fail, each asserting the kind the router will act
 * on, and that the API key shows in no failure. Runs on the default transport (Jetty); {@link
 * OkHttpFaultMatrixTest} runs the same rows on the OkHttp option.
 */
class OpenAiFaultMatrixTest {
  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final Duration SHORT = Duration.ofMillis(300);

  private final Upstream upstream = new Upstream(transport());

  /** The transport the rows run on. */
  Upstream.Transport transport() {
    return Upstream.Transport.JETTY;
  }
  private final List<ProviderException> failures = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void noFailureMentionsTheKey() {
    upstream.close();
    for (ProviderException failure : failures) {
      assertNoKey(failure);
    }
  }

  // ---- plain answers

  @Test
  void ok_200_answers_with_its_content() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.answer("Hi!", null)));
    // when
    ChatResponse answer = complete(upstream.provider().build());
    // then
    assertThat(answer.content()).isEqualTo("Hi!");
    assertThat(answer.usage()).isNull();
    assertThat(answer.finishReason()).isEqualTo("stop");
  }

  @Test
  void ok_200_with_usage_reports_tokens() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.answer("Hi!", new Usage(21, 7))));
    // when
    ChatResponse answer = complete(upstream.provider().build());
    // then
    assertThat(answer.usage()).isEqualTo(new Usage(21, 7));
  }

  // ---- client errors

  @Test
  void status_400_context_length_is_context_too_long() throws Exception {
    // given
    upstream.enqueue(Upstream.error(400, "invalid_request_error", "context_length_exceeded",
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens."));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.CONTEXT_TOO_LONG);
    assertThat(failure.httpStatus()).isEqualTo(400);
    assertThat(failure.providerMessage()).contains("maximum context length is 128000 tokens");
  }

  @Test
  void status_400_mentioning_the_context_length_without_a_code_is_context_too_long() throws Exception {
    // given
    upstream.enqueue(Upstream.json(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens\",\"code\":400}"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.CONTEXT_TOO_LONG);
  }

  @Test
  void status_400_content_filter_is_content_filtered() throws Exception {
    // given
    upstream.enqueue(Upstream.error(400, "invalid_request_error", "content_filter", "The response was filtered"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.CONTENT_FILTERED);
  }

  @Test
  void status_400_other_is_bad_request_with_the_provider_message() throws Exception {
    // given
    upstream.enqueue(Upstream.error(400, "invalid_request_error", null, "Invalid value for 'temperature'"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure.providerMessage()).isEqualTo("Invalid value for 'temperature'");
    assertThat(failure.getMessage()).contains("HTTP 400");
  }

  @Test
  void status_401_is_unauthorized_and_the_echoed_key_is_redacted() throws Exception {
    // given
    upstream.enqueue(Upstream.error(401, "invalid_request_error", "invalid_api_key",
        "Incorrect API key provided: " + Upstream.KEY + ". You can find your API key at ..."));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAUTHORIZED);
    assertThat(failure.providerMessage()).contains("Incorrect API key provided: [redacted]");
  }

  @Test
  void status_403_is_unauthorized() throws Exception {
    // given
    upstream.enqueue(Upstream.error(403, "permission_error", null, "Project does not have access to model"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAUTHORIZED);
  }

  @Test
  void status_404_model_not_found_is_bad_request() throws Exception {
    // given
    upstream.enqueue(Upstream.error(404, "invalid_request_error", "model_not_found",
        "The model `gpt-9` does not exist or you do not have access to it."));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure.httpStatus()).isEqualTo(404);
  }

  @Test
  void status_422_is_bad_request() throws Exception {
    // given
    upstream.enqueue(Upstream.json(422, "{\"detail\":\"messages: field required\"}"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure.providerMessage()).isEqualTo("messages: field required");
  }

  @Test
  void a_long_provider_message_is_truncated() throws Exception {
    // given
    upstream.enqueue(Upstream.error(400, "invalid_request_error", null, "x".repeat(5_000)));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.providerMessage()).hasSizeLessThanOrEqualTo(501);
  }

  // ---- rate limits

  @Test
  void status_429_with_retry_after_seconds() throws Exception {
    // given
    upstream.enqueue(rateLimited("Retry-After", "2"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.retryAfter()).contains(Duration.ofSeconds(2));
  }

  @Test
  void status_429_with_retry_after_as_an_http_date() throws Exception {
    // given
    String inThirtySeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
    upstream.enqueue(rateLimited("Retry-After", inThirtySeconds));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.retryAfter()).hasValueSatisfying(wait ->
        assertThat(wait).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(30)));
  }

  @Test
  void status_429_with_retry_after_ms() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(rateLimited("Retry-After", "9")).setHeader("retry-after-ms", "1500").build());
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.retryAfter()).contains(Duration.ofMillis(1500));
  }

  @Test
  void status_429_with_openai_reset_durations_takes_the_later() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(rateLimited("x-ratelimit-reset-requests", "20ms"))
        .setHeader("x-ratelimit-reset-tokens", "6m0s").build());
    // when
    ProviderException failure = failure(upstream.provider().maxRetryAfter(Duration.ofMinutes(10)).build());
    // then
    assertThat(failure.retryAfter()).contains(Duration.ofMinutes(6));
  }

  @Test
  void status_429_with_a_huge_retry_after_is_capped() throws Exception {
    // given
    upstream.enqueue(rateLimited("Retry-After", "86400"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.retryAfter()).contains(OpenAiConfig.DEFAULT_MAX_RETRY_AFTER);
  }

  @Test
  void status_429_without_a_wait_gets_the_default() throws Exception {
    // given
    upstream.enqueue(Upstream.error(429, "requests", "rate_limit_exceeded", "Rate limit reached"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.retryAfter()).contains(OpenAiConfig.DEFAULT_RETRY_AFTER);
  }

  @Test
  void status_429_insufficient_quota_is_unauthorized_not_a_cool_down() throws Exception {
    // given
    upstream.enqueue(Upstream.error(429, "insufficient_quota", "insufficient_quota", "You exceeded your current quota"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAUTHORIZED);
  }

  // ---- server errors

  @Test
  void status_500_is_unavailable() throws Exception {
    assertServerError(500);
  }

  @Test
  void status_502_is_unavailable() throws Exception {
    assertServerError(502);
  }

  @Test
  void status_503_is_unavailable() throws Exception {
    assertServerError(503);
  }

  @Test
  void status_504_is_unavailable() throws Exception {
    assertServerError(504);
  }

  @Test
  void status_408_and_409_are_unavailable() throws Exception {
    assertServerError(408);
    assertServerError(409);
  }

  @Test
  void an_html_error_page_keeps_its_text_as_the_message() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder().code(502).setHeader("Content-Type", "text/html")
        .body("<html><body>Bad Gateway</body></html>").build());
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(failure.providerMessage()).contains("Bad Gateway");
  }

  // ---- transport

  @Test
  void connection_refused_is_unavailable() throws Exception {
    // given
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    OpenAiProvider provider = upstream.provider("http://127.0.0.1:" + closedPort + "/v1").build();
    // when
    ProviderException failure = failure(provider);
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(failure.httpStatus()).isZero();
  }

  @Test
  void reset_before_headers_is_unavailable() throws Exception {
    // given: an upstream that resets every connection. Jetty may send a request again on a new
    // connection when the first was closed before it was sent; that one is reset too (with one
    // reset queued, the second request waited for an answer that never came: TIMEOUT, 1 run in 20)
    MockResponse reset = new MockResponse.Builder().onRequestStart(new SocketEffect.CloseSocket()).build();
    upstream.server.setDispatcher(new mockwebserver3.Dispatcher() {
      @Override
      public MockResponse dispatch(mockwebserver3.RecordedRequest request) {
        return reset;
      }

      @Override
      public MockResponse peek() {
        // what the server does before it reads a request: reset
        return reset;
      }
    });
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAVAILABLE);
  }

  @Test
  void stalled_headers_time_out_on_the_read_timeout() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    // when
    ProviderException failure = failure(upstream.provider().readTimeout(SHORT).build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
  }

  @Test
  void stalled_headers_time_out_on_the_per_call_timeout() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    OpenAiProvider provider = upstream.provider().build();
    // when
    ProviderException failure = failureOf(provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), CallOptions.of(SHORT, "r1")));
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
  }

  @Test
  void a_body_trickled_past_the_idle_timeout_times_out() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(Upstream.json(200, Upstream.answer("slow", null)))
        .throttleBody(16, 1, TimeUnit.SECONDS).build());
    // when
    ProviderException failure = failure(upstream.provider().readTimeout(SHORT).build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
  }

  @Test
  void a_body_cut_by_the_connection_is_unavailable() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(Upstream.json(200, Upstream.answer("cut", null)))
        .onResponseBody(new SocketEffect.CloseSocket()).build());
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isIn(FailureKind.UNAVAILABLE, FailureKind.MALFORMED_RESPONSE);
  }

  // ---- unreadable replies

  @Test
  void malformed_json_is_malformed_response() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"id\": chatcmpl, oops}"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(failure.httpStatus()).isEqualTo(200);
  }

  @Test
  void truncated_json_is_malformed_response() throws Exception {
    // given
    String whole = Upstream.answer("Hello", new Usage(1, 1));
    upstream.enqueue(Upstream.json(200, whole.substring(0, whole.length() / 2)));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
  }

  @Test
  void an_answer_without_choices_is_malformed_response() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"id\":\"x\",\"choices\":[]}"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
  }

  @Test
  void an_error_object_in_a_200_is_classified_by_its_code() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"error\":{\"message\":\"Rate limit\",\"type\":\"rate_limit_error\"}}"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.retryAfter()).isPresent();
  }

  // ---- streams

  @Test
  void stream_happy_path_delivers_chunks_usage_and_completes() throws Exception {
    // given
    upstream.enqueue(Upstream.sse(Upstream.wholeStream(List.of("Hel", "lo"), new Usage(5, 2))));
    Recording listener = new Recording();
    // when
    stream(upstream.provider().build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.error).isNull();
    assertThat(listener.completed.get()).isEqualTo(1);
    assertThat(listener.text()).isEqualTo("Hello");
    assertThat(listener.lastUsage()).isEqualTo(new Usage(5, 2));
  }

  @Test
  void stream_in_one_byte_fragments_reassembles() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(Upstream.sse(Upstream.wholeStream(List.of("frag", "ments", " ok"), new Usage(3, 3))))
        .throttleBody(1, 1, TimeUnit.MILLISECONDS).build());
    Recording listener = new Recording();
    // when
    stream(upstream.provider().build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.error).isNull();
    assertThat(listener.text()).isEqualTo("fragments ok");
    assertThat(listener.lastUsage()).isEqualTo(new Usage(3, 3));
  }

  @Test
  void stream_cut_mid_way_fails() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(Upstream.sse(Upstream.wholeStream(List.of("a".repeat(2000), "b"), new Usage(1, 1))))
        .onResponseBody(new SocketEffect.CloseSocket()).build());
    Recording listener = new Recording();
    // when
    stream(upstream.provider().build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.completed.get()).isZero();
    assertThat(listener.error.kind()).isIn(FailureKind.UNAVAILABLE, FailureKind.MALFORMED_RESPONSE);
  }

  @Test
  void stream_with_an_error_object_mid_way_fails_with_its_classification() throws Exception {
    // given
    upstream.enqueue(Upstream.sse(Upstream.events(List.of(
        Upstream.chunk("Partial", null),
        "{\"error\":{\"message\":\"The server had an error while processing your request\",\"type\":\"server_error\"}}"))));
    Recording listener = new Recording();
    // when
    stream(upstream.provider().build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.text()).isEqualTo("Partial");
    assertThat(listener.error.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(listener.error.providerMessage()).contains("server had an error");
  }

  @Test
  void stream_with_a_rate_limit_error_object_is_rate_limited() throws Exception {
    // given
    upstream.enqueue(Upstream.sse(Upstream.events(List.of(
        "{\"error\":{\"message\":\"Too many tokens\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}"))));
    Recording listener = new Recording();
    // when
    stream(upstream.provider().build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.RATE_LIMITED);
  }

  @Test
  void stream_ending_without_done_or_finish_reason_is_malformed() throws Exception {
    // given
    upstream.enqueue(Upstream.sse(Upstream.events(List.of(Upstream.chunk("Half an ans", null)))));
    Recording listener = new Recording();
    // when
    stream(upstream.provider().build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.completed.get()).isZero();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
  }

  @Test
  void stream_ending_after_a_finish_reason_without_done_completes() throws Exception {
    // given
    upstream.enqueue(Upstream.sse(Upstream.events(List.of(Upstream.chunk("Whole.", null), Upstream.chunk(null, "stop")))));
    Recording listener = new Recording();
    // when
    stream(upstream.provider().build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.error).isNull();
    assertThat(listener.completed.get()).isEqualTo(1);
  }

  @Test
  void stream_refused_with_429_is_rate_limited_with_its_wait() throws Exception {
    // given
    upstream.enqueue(rateLimited("Retry-After", "3"));
    Recording listener = new Recording();
    // when
    stream(upstream.provider().build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(listener.error.retryAfter()).contains(Duration.ofSeconds(3));
  }

  @Test
  void stream_answered_with_plain_json_is_malformed() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.answer("not a stream", null)));
    Recording listener = new Recording();
    // when
    stream(upstream.provider().build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
  }

  @Test
  void stream_stalled_past_the_idle_timeout_times_out() throws Exception {
    // given
    String body = Upstream.wholeStream(List.of("first"), new Usage(1, 1));
    int firstEvent = body.indexOf("\n\n") + 2;
    upstream.enqueue(new MockResponse.Builder(Upstream.sse(body)).throttleBody(firstEvent, 2, TimeUnit.SECONDS).build());
    Recording listener = new Recording();
    // when
    stream(upstream.provider().readTimeout(SHORT).build(), listener);
    // then
    listener.awaitEnd();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.TIMEOUT);
  }

  @Test
  void cancelling_mid_stream_stops_callbacks_and_the_call() throws Exception {
    // given
    String body = Upstream.wholeStream(List.of("one", "two", "three"), new Usage(1, 3));
    int firstTwoEvents = body.indexOf("\n\n", body.indexOf("\n\n") + 2) + 2;
    upstream.enqueue(new MockResponse.Builder(Upstream.sse(body)).throttleBody(firstTwoEvents, 5, TimeUnit.SECONDS).build());
    Recording listener = new Recording();
    StreamHandle handle = stream(upstream.provider().build(), listener);
    assertThat(listener.firstText.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    // when
    handle.cancel();
    int seen = listener.chunks.size();
    // then
    upstream.awaitCancelled();
    assertThat(listener.chunks).hasSize(seen);
    assertThat(listener.completed.get()).isZero();
    assertThat(listener.error).isNull();
  }

  // ---- helpers

  private void assertServerError(int status) throws Exception {
    // given
    upstream.enqueue(Upstream.error(status, "server_error", null, "upstream said " + status));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).as("kind of %s", status).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(failure.httpStatus()).isEqualTo(status);
    assertThat(failure.providerMessage()).isEqualTo("upstream said " + status);
  }

  private static MockResponse rateLimited(String header, String value) {
    return new MockResponse.Builder(Upstream.error(429, "requests", "rate_limit_exceeded", "Rate limit reached"))
        .setHeader(header, value).build();
  }

  private static ChatResponse complete(OpenAiProvider provider) throws Exception {
    return provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), CallOptions.of(PATIENCE, "r1"))
        .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private ProviderException failure(OpenAiProvider provider) throws Exception {
    return failureOf(provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), CallOptions.of(PATIENCE, "r1")));
  }

  private ProviderException failureOf(CompletableFuture<?> call) throws Exception {
    try {
      Object value = call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      return fail("expected a failure, got " + value);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ProviderException.class);
      ProviderException failure = (ProviderException) e.getCause();
      failures.add(failure);
      return failure;
    } catch (TimeoutException e) {
      return fail("no answer within " + PATIENCE);
    }
  }

  private StreamHandle stream(OpenAiProvider provider, Recording listener) {
    listener.owner = this;
    return provider.stream(Upstream.MODEL, ChatRequest.builder().user("hi").stream(true).build(),
        CallOptions.of(PATIENCE, "r1"), listener);
  }

  static void assertNoKey(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain(Upstream.KEY);
      assertThat(t.toString()).doesNotContain(Upstream.KEY);
    }
  }

  private static final class Recording implements StreamListener {
    final List<ChatChunk> chunks = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch end = new CountDownLatch(1);
    final CountDownLatch firstText = new CountDownLatch(1);
    final AtomicInteger completed = new AtomicInteger();
    volatile ProviderException error;
    OpenAiFaultMatrixTest owner;

    @Override
    public void onChunk(ChatChunk chunk) {
      chunks.add(chunk);
      if (!chunk.text().isEmpty()) {
        firstText.countDown();
      }
    }

    @Override
    public void onComplete() {
      completed.incrementAndGet();
      end.countDown();
    }

    @Override
    public void onError(ProviderException failure) {
      error = failure;
      owner.failures.add(failure);
      end.countDown();
    }

    void awaitEnd() throws InterruptedException {
      assertThat(end.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("stream ended").isTrue();
    }

    String text() {
      StringBuilder text = new StringBuilder();
      synchronized (chunks) {
        chunks.forEach(c -> text.append(c.text()));
      }
      return text.toString();
    }

    Usage lastUsage() {
      synchronized (chunks) {
        for (int i = chunks.size() - 1; i >= 0; i--) {
          if (chunks.get(i).usage() != null) {
            return chunks.get(i).usage();
          }
        }
      }
      return null;
    }
  }
}
