package dev.sheepdog.adapter.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.Embedding;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.ManualTicker;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Simulated embeddings on a manual clock: the vectors, their sizes and encodings, latency, faults, limits. */
class SandboxEmbeddingsTest {
  private static final ModelSpec SMALL = embedding("embed-small", "text-embedding-3-small", 8);
  /** Another model of the same vector space: the same upstream model on another route. */
  private static final ModelSpec SMALL_AGAIN = embedding("embed-small-eu", "text-embedding-3-small", 8);
  private static final ModelSpec OTHER_SPACE = embedding("embed-other", "nomic-embed-text", 8);
  /** One second, every call. */
  private static final SandboxProfile FIXED = SandboxProfile.ofMillis(1_000, 1_000, 100).withTailProbability(0);
  private static final CallOptions LONG = CallOptions.of(Duration.ofMinutes(10), "test");
  private static final long FAILED = -1;

  private final ManualTicker ticker = new ManualTicker();

  private SandboxProvider sandbox(long seed) {
    return SandboxProvider.builder().seed(seed).clock(ticker)
        .profiles(Map.of(SMALL.id(), FIXED, SMALL_AGAIN.id(), FIXED, OTHER_SPACE.id(), FIXED))
        .build();
  }

  // ---- the vectors

  @Test
  void the_same_input_gets_the_same_unit_vector_whatever_the_seed() {
    // given
    EmbeddingRequest request = EmbeddingRequest.of("alpha", "beta", "alpha");
    // when
    EmbeddingResponse answer = embed(sandbox(1), SMALL, request);
    EmbeddingResponse reseeded = embed(sandbox(2), SMALL, request);
    // then
    List<Embedding> data = answer.data();
    assertThat(data).extracting(Embedding::index).containsExactly(0, 1, 2);
    assertThat(data).allSatisfy(e -> {
      assertThat(e.vector()).hasSize(8);
      assertThat(norm(e.vector())).isCloseTo(1.0, within(1e-6));
      assertThat(e.encoded()).isNull();
    });
    assertThat(data.get(2).vector()).containsExactly(data.get(0).vector());
    assertThat(data.get(1).vector()).isNotEqualTo(data.get(0).vector());
    for (int i = 0; i < data.size(); i++) {
      assertThat(reseeded.data().get(i).vector()).containsExactly(data.get(i).vector());
    }
  }

  @Test
  void models_of_one_space_give_the_same_vectors_and_another_space_others() {
    // given
    SandboxProvider sandbox = sandbox(1);
    EmbeddingRequest request = EmbeddingRequest.of("circuit breaker");
    // when
    double[] small = vectorOf(embed(sandbox, SMALL, request));
    double[] again = vectorOf(embed(sandbox, SMALL_AGAIN, request));
    double[] other = vectorOf(embed(sandbox, OTHER_SPACE, request));
    // then
    assertThat(again).containsExactly(small);
    assertThat(other).isNotEqualTo(small);
  }

  @Test
  void dimensions_shorten_the_vector_to_its_first_values_normalized_again() {
    // given
    SandboxProvider sandbox = sandbox(1);
    double[] whole = vectorOf(embed(sandbox, SMALL, EmbeddingRequest.of("fox")));
    // when
    double[] shortened = vectorOf(embed(sandbox, SMALL, new EmbeddingRequest("fox", 3, Map.of())));
    // then
    assertThat(shortened).hasSize(3);
    double head = Math.sqrt(whole[0] * whole[0] + whole[1] * whole[1] + whole[2] * whole[2]);
    for (int i = 0; i < 3; i++) {
      assertThat(shortened[i]).isCloseTo(whole[i] / head, within(1e-6));
    }
    assertThat(norm(shortened)).isCloseTo(1.0, within(1e-6));
  }

  @Test
  void more_dimensions_than_the_model_has_are_a_bad_request() {
    // when
    CompletableFuture<EmbeddingResponse> call = sandbox(1).embed(SMALL, new EmbeddingRequest("fox", 9, Map.of()), LONG);
    // then
    ProviderException failure = failure(call);
    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure.httpStatus()).isEqualTo(400);
    assertThat(failure.getMessage()).contains("at most 8 dimensions");
  }

  @Test
  void base64_holds_the_float32_values_little_endian() {
    // given
    SandboxProvider sandbox = sandbox(1);
    EmbeddingRequest asFloats = new EmbeddingRequest(List.of("fox", "dog"), 5, Map.of());
    EmbeddingRequest asBase64 = new EmbeddingRequest(List.of("fox", "dog"), 5, Map.of("encoding_format", "base64"));
    // when
    EmbeddingResponse floats = embed(sandbox, SMALL, asFloats);
    EmbeddingResponse encoded = embed(sandbox, SMALL, asBase64);
    // then
    for (int i = 0; i < 2; i++) {
      Embedding embedding = encoded.data().get(i);
      assertThat(embedding.vector()).isNull();
      assertThat(embedding.dimensions()).isEqualTo(5);
      ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.encoded())).order(ByteOrder.LITTLE_ENDIAN);
      double[] values = floats.data().get(i).vector();
      float[] decoded = new float[bytes.remaining() / Float.BYTES];
      float[] asFloat32 = new float[values.length];
      for (int j = 0; j < decoded.length; j++) {
        decoded[j] = bytes.getFloat();
        asFloat32[j] = (float) values[j];
        // the decimal of the float, as upstreams print it, not the float's exact double
        assertThat(Double.toString(values[j])).isEqualTo(Float.toString(decoded[j]));
      }
      assertThat(decoded).containsExactly(asFloat32);
    }
  }

  @Test
  void usage_is_the_estimated_input_tokens_and_the_model_is_the_upstream_name() {
    // given
    SandboxProvider sandbox = sandbox(1);
    // when: 19 characters are 5 tokens, 5 characters 2; token ids count one each
    EmbeddingResponse texts = embed(sandbox, SMALL, EmbeddingRequest.of("The quick brown fox", "jumps"));
    EmbeddingResponse ids = embed(sandbox, SMALL,
        new EmbeddingRequest(List.of(List.of(791L, 4062L, 14198L), List.of(35308L, 1L)), null, Map.of()));
    // then
    assertThat(texts.usage()).isEqualTo(new Usage(7, 0));
    assertThat(ids.usage()).isEqualTo(new Usage(5, 0));
    assertThat(ids.data()).hasSize(2);
    assertThat(ids.data().get(0).vector()).isNotEqualTo(ids.data().get(1).vector());
    assertThat(texts.upstreamModel()).isEqualTo("text-embedding-3-small");
  }

  // ---- the call

  @Test
  void answers_after_the_latency_of_the_model_profile() {
    // given
    SandboxProvider sandbox = sandbox(1);
    // when
    CompletableFuture<EmbeddingResponse> call = sandbox.embed(SMALL, EmbeddingRequest.of("fox"), LONG);
    ticker.advance(Duration.ofMillis(999));
    // then
    assertThat(call).isNotDone();
    ticker.advance(Duration.ofMillis(1));
    assertThat(call).isCompleted();
  }

  @Test
  void draws_latency_and_outcome_as_a_complete_answer_would() {
    // given: a model with spread, a failure in ten, the same seed
    SandboxProfile spread = SandboxProfile.ofMillis(200, 400, 90);
    ModelSpec chat = ModelSpec.builder("embed-small", "sandbox").build();
    SandboxProvider forChat = SandboxProvider.builder().seed(9).clock(ticker).profile(SMALL.id(), spread).build();
    SandboxProvider forEmbeddings = SandboxProvider.builder().seed(9).clock(ticker).profile(SMALL.id(), spread).build();
    // when
    long[] completions = latencies(n -> forChat.complete(chat, ChatRequest.ofUser("q"), LONG));
    long[] embeddings = latencies(n -> forEmbeddings.embed(SMALL, EmbeddingRequest.of("q"), LONG));
    // then
    assertThat(embeddings).containsExactly(completions);
    assertThat(embeddings).contains(FAILED);
  }

  @Test
  void cancelling_the_future_cancels_the_pending_answer() {
    // given
    SandboxProvider sandbox = sandbox(1);
    CompletableFuture<EmbeddingResponse> call = sandbox.embed(SMALL, EmbeddingRequest.of("fox"), LONG);
    assertThat(ticker.pendingTasks()).isEqualTo(1);
    // when
    call.cancel(true);
    // then
    assertThat(ticker.pendingTasks()).isZero();
    assertThat(call).isCancelled();
  }

  @Test
  void a_chat_model_is_a_bad_request_and_a_model_without_a_profile_is_not_found() {
    // given
    SandboxProvider sandbox = sandbox(1);
    // when
    CompletableFuture<EmbeddingResponse> chat = sandbox.embed(ModelSpec.builder("embed-small", "sandbox").build(),
        EmbeddingRequest.of("fox"), LONG);
    CompletableFuture<EmbeddingResponse> unknown = sandbox.embed(embedding("no-such-model", "x", 8),
        EmbeddingRequest.of("fox"), LONG);
    ticker.runDue();
    // then
    assertThat(failure(chat).kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure(chat).httpStatus()).isEqualTo(400);
    assertThat(failure(unknown).kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure(unknown).httpStatus()).isEqualTo(404);
  }

  // ---- faults and limits

  @Test
  void an_outage_fails_at_once_with_503_until_healed() {
    // given
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().outage(SMALL.id());
    // when
    CompletableFuture<EmbeddingResponse> during = sandbox.embed(SMALL, EmbeddingRequest.of("fox"), LONG);
    ticker.runDue();
    // then
    assertThat(failure(during).kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(failure(during).httpStatus()).isEqualTo(503);
    // when healed
    sandbox.faults().heal(SMALL.id());
    assertThat(embed(sandbox, SMALL, EmbeddingRequest.of("fox")).data()).hasSize(1);
  }

  @Test
  void a_rate_limit_storm_fails_with_429_and_its_wait() {
    // given
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().rateLimitStorm(SMALL.id(), Duration.ofSeconds(7));
    // when
    CompletableFuture<EmbeddingResponse> call = sandbox.embed(SMALL, EmbeddingRequest.of("fox"), LONG);
    ticker.runDue();
    // then
    ProviderException failure = failure(call);
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.httpStatus()).isEqualTo(429);
    assertThat(failure.retryAfter()).contains(Duration.ofSeconds(7));
  }

  @Test
  void a_stall_answers_nothing_until_the_timeout() {
    // given
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().stall(SMALL.id());
    // when
    CompletableFuture<EmbeddingResponse> call = sandbox.embed(SMALL, EmbeddingRequest.of("fox"),
        CallOptions.of(Duration.ofSeconds(30), "t"));
    ticker.advance(Duration.ofSeconds(29));
    // then
    assertThat(call).isNotDone();
    ticker.advance(Duration.ofSeconds(1));
    assertThat(failure(call).kind()).isEqualTo(FailureKind.TIMEOUT);
  }

  @Test
  void a_slowdown_multiplies_the_latency_and_may_pass_the_timeout() {
    // given
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().slowdown(SMALL.id(), 3);
    // when
    CompletableFuture<EmbeddingResponse> slowed = sandbox.embed(SMALL, EmbeddingRequest.of("fox"), LONG);
    CompletableFuture<EmbeddingResponse> tooSlow = sandbox.embed(SMALL, EmbeddingRequest.of("fox"),
        CallOptions.of(Duration.ofSeconds(2), "t"));
    ticker.advance(Duration.ofMillis(2_999));
    // then
    assertThat(slowed).isNotDone();
    assertThat(failure(tooSlow).kind()).isEqualTo(FailureKind.TIMEOUT);
    ticker.advance(Duration.ofMillis(1));
    assertThat(slowed).isCompleted();
  }

  @Test
  void a_broken_stream_fault_cuts_the_answer_short() {
    // given
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().brokenStream(SMALL.id());
    // when
    CompletableFuture<EmbeddingResponse> call = sandbox.embed(SMALL, EmbeddingRequest.of("fox"), LONG);
    ticker.advance(Duration.ofSeconds(1));
    // then
    assertThat(failure(call).kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
  }

  @Test
  void the_request_limit_counts_embeddings_calls() {
    // given
    SandboxProvider sandbox = SandboxProvider.builder().clock(ticker)
        .profile(SMALL.id(), FIXED.withRequestsPerMinute(1)).build();
    sandbox.embed(SMALL, EmbeddingRequest.of("fox"), LONG);
    ticker.advance(Duration.ofSeconds(15));
    // when
    CompletableFuture<EmbeddingResponse> second = sandbox.embed(SMALL, EmbeddingRequest.of("fox"), LONG);
    ticker.runDue();
    // then
    ProviderException failure = failure(second);
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.retryAfter()).contains(Duration.ofSeconds(45));
  }

  // ---- helpers

  private static ModelSpec embedding(String id, String upstreamName, int dimensions) {
    return ModelSpec.builder(id, SandboxProvider.DEFAULT_ID).upstreamName(upstreamName).embedding(dimensions).build();
  }

  private EmbeddingResponse embed(SandboxProvider sandbox, ModelSpec model, EmbeddingRequest request) {
    CompletableFuture<EmbeddingResponse> call = sandbox.embed(model, request, LONG);
    ticker.advance(Duration.ofMinutes(1));
    return call.join();
  }

  private static double[] vectorOf(EmbeddingResponse answer) {
    assertThat(answer.data()).hasSize(1);
    return answer.data().get(0).vector();
  }

  private static double norm(double[] vector) {
    double squares = 0;
    for (double value : vector) {
      squares += value * value;
    }
    return Math.sqrt(squares);
  }

  /** Starts 200 calls at once and returns each one's latency in nanoseconds, or {@link #FAILED}. */
  private long[] latencies(java.util.function.IntFunction<CompletableFuture<?>> calls) {
    long start = ticker.nanoTime();
    long[] latencies = new long[200];
    for (int i = 0; i < latencies.length; i++) {
      int index = i;
      calls.apply(i).whenComplete((r, e) -> latencies[index] = e == null ? ticker.nanoTime() - start : FAILED);
    }
    ticker.advance(Duration.ofMinutes(10));
    assertThat(ticker.pendingTasks()).isZero();
    return latencies;
  }

  private static ProviderException failure(CompletableFuture<?> call) {
    assertThat(call).isCompletedExceptionally();
    try {
      call.join();
      throw new AssertionError("no failure");
    } catch (CompletionException e) {
      return (ProviderException) e.getCause();
    }
  }
}
