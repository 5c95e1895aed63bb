package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.Embedding;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.Usage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /embeddings} against a local server: what is sent, the vectors read back in both
 * encodings, and each way the call can fail. Runs on the default transport (Jetty); {@link
 * OkHttpEmbeddingsTest} runs the same on the OkHttp option.
 */
class OpenAiEmbeddingsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final CallOptions OPTIONS = CallOptions.of(PATIENCE, "req-42");
  private static final EmbeddingRequest REQUEST = EmbeddingRequest.of("The quick brown fox", "jumps");

  private final Upstream upstream = new Upstream(transport());
  private final List<ProviderException> failures = Collections.synchronizedList(new ArrayList<>());

  /** The transport the calls run on. */
  Upstream.Transport transport() {
    return Upstream.Transport.JETTY;
  }

  @AfterEach
  void noFailureMentionsTheKey() {
    upstream.close();
    failures.forEach(OpenAiFaultMatrixTest::assertNoKey);
  }

  // ---- what is sent

  @Test
  void posts_the_upstream_name_the_input_and_the_members_as_given() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.embeddings(2, 3, 5)));
    OpenAiProvider provider = upstream.provider().organization("org-1").header("X-Proxy-Route", "blue").build();
    EmbeddingRequest request = new EmbeddingRequest(List.of("The quick brown fox", "jumps"), 256,
        Map.of("encoding_format", "float", "user", "u-7"));
    CallOptions options = OPTIONS.withHeaders(Map.of("traceparent", TRACEPARENT,
        "Authorization", "Bearer not-the-key", "X-Request-Id", "other"));
    // when
    provider.embed(Upstream.EMBEDDING_MODEL, request, options).get(10, TimeUnit.SECONDS);
    // then
    RecordedRequest sent = upstream.take();
    assertThat(sent.getMethod()).isEqualTo("POST");
    assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/embeddings");
    assertThat(sent.getHeaders().values("Authorization")).containsExactly("Bearer " + Upstream.KEY);
    assertThat(sent.getHeaders().get("OpenAI-Organization")).isEqualTo("org-1");
    assertThat(sent.getHeaders().get("X-Proxy-Route")).isEqualTo("blue");
    assertThat(sent.getHeaders().get("traceparent")).isEqualTo(TRACEPARENT);
    assertThat(sent.getHeaders().get("X-Request-Id")).isEqualTo("req-42");
    assertThat(sent.getHeaders().get("Content-Type")).startsWith("application/json");
    assertThat(Upstream.bodyOf(sent)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "model", "text-embedding-3-small",
        "input", List.of("The quick brown fox", "jumps"),
        "dimensions", 256L,
        "encoding_format", "float",
        "user", "u-7"));
  }

  @Test
  void posts_token_ids_as_integers() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.embeddings(2, 3, 5)));
    EmbeddingRequest request = new EmbeddingRequest(List.of(List.of(791L, 4062L, 14198L), List.of(35308L)), null,
        Map.of());
    // when
    upstream.provider().build().embed(Upstream.EMBEDDING_MODEL, request, OPTIONS).get(10, TimeUnit.SECONDS);
    // then
    String raw = upstream.take().getBody().utf8();
    assertThat(raw).isEqualTo("{\"model\":\"text-embedding-3-small\",\"input\":[[791,4062,14198],[35308]]}");
  }

  // ---- what comes back

  @Test
  void reads_float_vectors_with_their_usage_and_model() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"object\":\"list\",\"data\":["
        + "{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.0023064255,-0.009327292,1e-3]},"
        + "{\"object\":\"embedding\",\"index\":1,\"embedding\":[-0.5,0.25,0]}],"
        + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}"));
    // when
    EmbeddingResponse answer = embed(upstream.provider().build());
    // then
    assertThat(answer.data()).extracting(Embedding::index).containsExactly(0, 1);
    assertThat(answer.data().get(0).vector()).containsExactly(0.0023064255, -0.009327292, 0.001);
    assertThat(answer.data().get(1).vector()).containsExactly(-0.5, 0.25, 0.0);
    assertThat(answer.data()).allSatisfy(e -> assertThat(e.encoded()).isNull());
    assertThat(answer.usage()).isEqualTo(new Usage(8, 0));
    assertThat(answer.upstreamModel()).isEqualTo("text-embedding-3-small");
  }

  @Test
  void keeps_base64_vectors_as_sent() throws Exception {
    // given: little-endian float32 values, as OpenAI encodes them
    String first = base64(0.5f, -0.25f, 1f);
    String second = base64(0f, 0.125f, -1f);
    upstream.enqueue(Upstream.json(200, "{\"object\":\"list\",\"data\":["
        + "{\"object\":\"embedding\",\"index\":0,\"embedding\":\"" + first + "\"},"
        + "{\"object\":\"embedding\",\"index\":1,\"embedding\":\"" + second + "\"}],"
        + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}"));
    EmbeddingRequest request = new EmbeddingRequest(List.of("a", "b"), null, Map.of("encoding_format", "base64"));
    // when
    EmbeddingResponse answer = upstream.provider().build().embed(Upstream.EMBEDDING_MODEL, request, OPTIONS)
        .get(10, TimeUnit.SECONDS);
    // then
    assertThat(Upstream.bodyOf(upstream.take())).containsEntry("encoding_format", "base64");
    assertThat(answer.data()).extracting(Embedding::encoded).containsExactly(first, second);
    assertThat(answer.data()).allSatisfy(e -> {
      assertThat(e.vector()).isNull();
      assertThat(e.dimensions()).isEqualTo(3);
    });
  }

  // ---- failures

  @Test
  void status_429_with_retry_after_is_rate_limited_with_its_wait() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(Upstream.error(429, "requests", "rate_limit_exceeded",
        "Rate limit reached for text-embedding-3-small")).setHeader("Retry-After", "2").build());
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.httpStatus()).isEqualTo(429);
    assertThat(failure.retryAfter()).contains(Duration.ofSeconds(2));
  }

  @Test
  void status_500_and_503_are_unavailable() throws Exception {
    for (int status : new int[] {500, 503}) {
      // given
      upstream.enqueue(Upstream.error(status, "server_error", null, "upstream said " + status));
      // when
      ProviderException failure = failure(upstream.provider().build());
      // then
      assertThat(failure.kind()).as("kind of %s", status).isEqualTo(FailureKind.UNAVAILABLE);
      assertThat(failure.httpStatus()).isEqualTo(status);
      assertThat(failure.providerMessage()).isEqualTo("upstream said " + status);
    }
  }

  @Test
  void status_400_is_bad_request_with_the_provider_message_and_no_key() throws Exception {
    // given
    upstream.enqueue(Upstream.error(400, "invalid_request_error", null,
        "This model does not support specifying dimensions. Key " + Upstream.KEY));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure.httpStatus()).isEqualTo(400);
    assertThat(failure.providerMessage()).isEqualTo("This model does not support specifying dimensions. Key [redacted]");
  }

  @Test
  void malformed_json_is_malformed_response() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"object\":\"list\",\"data\":[{\"embedding\":[0.1, oops"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(failure.httpStatus()).isEqualTo(200);
  }

  @Test
  void an_answer_without_vectors_is_malformed_response() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"object\":\"list\",\"model\":\"text-embedding-3-small\"}"));
    upstream.enqueue(Upstream.json(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0}]}"));
    OpenAiProvider provider = upstream.provider().build();
    // when
    ProviderException noData = failure(provider);
    ProviderException noVector = failure(provider);
    // then
    assertThat(noData.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(noData.getMessage()).contains("no data array");
    assertThat(noVector.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(noVector.getMessage()).contains("data[0] has no embedding");
  }

  @Test
  void an_error_object_in_a_200_is_classified_by_its_code() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
        + "\"code\":\"rate_limit_exceeded\"}}"));
    // when
    ProviderException failure = failure(upstream.provider().build());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.providerMessage()).isEqualTo("Rate limit reached");
  }

  @Test
  void stalled_headers_time_out_on_the_per_call_timeout() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    // when
    ProviderException failure = failureOf(upstream.provider().build()
        .embed(Upstream.EMBEDDING_MODEL, REQUEST, CallOptions.of(Duration.ofMillis(300), "r1")));
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
  }

  @Test
  void cancelling_the_future_cancels_the_call_upstream() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    OpenAiProvider provider = upstream.provider().build();
    CompletableFuture<EmbeddingResponse> call = provider.embed(Upstream.EMBEDDING_MODEL, REQUEST, OPTIONS);
    upstream.take();
    // when
    call.cancel(true);
    // then
    upstream.awaitCancelled();
    assertThat(call).isCancelled();
    assertThat(provider.callsInFlight()).isZero();
  }

  @Test
  void a_call_past_the_request_cap_fails_at_once_with_overloaded() throws Exception {
    // given: one call in flight, the cap at one
    upstream.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    OpenAiProvider provider = upstream.provider().maxRequests(1).build();
    CompletableFuture<EmbeddingResponse> first = provider.embed(Upstream.EMBEDDING_MODEL, REQUEST, OPTIONS);
    // when
    CompletableFuture<EmbeddingResponse> second = provider.embed(Upstream.EMBEDDING_MODEL, REQUEST, OPTIONS);
    // then
    assertThat(second).isCompletedExceptionally();
    assertThat(failureOf(second).kind()).isEqualTo(FailureKind.OVERLOADED);
    first.cancel(true);
  }

  // ---- helpers

  private static String base64(float... values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      bytes.putFloat(value);
    }
    return Base64.getEncoder().encodeToString(bytes.array());
  }

  private static EmbeddingResponse embed(OpenAiProvider provider) throws Exception {
    return provider.embed(Upstream.EMBEDDING_MODEL, REQUEST, OPTIONS).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private ProviderException failure(OpenAiProvider provider) throws Exception {
    return failureOf(provider.embed(Upstream.EMBEDDING_MODEL, REQUEST, OPTIONS));
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
}
