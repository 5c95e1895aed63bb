package dev.sheepdog.adapter.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.TokenEstimator;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.spi.catalog.TutorialModels;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Sandbox behaviour measured on a manual clock: profiles, determinism, faults, limits, streams. */
class SandboxProviderTest {
  private static final ModelId GPT = TutorialModels.GPT_4_1;
  private static final ModelId DEEPSEEK = TutorialModels.DEEPSEEK_CHAT;
  private static final ModelCatalog CATALOG = TutorialModels.catalog(ProviderId.of(SandboxProvider.DEFAULT_ID));
  private static final CallOptions LONG = CallOptions.of(Duration.ofMinutes(10), "test");
  private static final long FAILED = -1;

  private final ManualTicker ticker = new ManualTicker();

  private SandboxProvider sandbox(long seed) {
    return SandboxProvider.builder().seed(seed).clock(ticker).build();
  }

  @Test
  void each_tutorial_profile_reproduces_its_mean_p95_and_availability() {
    for (Map.Entry<ModelId, SandboxProfile> entry : SandboxProfiles.tutorial().entrySet()) {
      // given
      SandboxProfile profile = entry.getValue();
      SandboxProvider sandbox = sandbox(42);
      // when
      long[] latencies = latencies(sandbox, entry.getKey(), 10_000);
      // then
      long[] ok = Arrays.stream(latencies).filter(l -> l != FAILED).sorted().toArray();
      double mean = Arrays.stream(ok).average().orElseThrow();
      double p95 = ok[(int) Math.ceil(0.95 * ok.length) - 1];
      double availability = (double) ok.length / latencies.length;
      assertThat(mean).as("mean of %s", entry.getKey())
          .isCloseTo(profile.meanLatency().toNanos(), within(0.10 * profile.meanLatency().toNanos()));
      assertThat(p95).as("p95 of %s", entry.getKey())
          .isCloseTo(profile.p95Latency().toNanos(), within(0.10 * profile.p95Latency().toNanos()));
      // 10,000 calls at 99.5 % fail about 50 times, with a standard deviation of 7
      assertThat(availability).as("availability of %s", entry.getKey())
          .isCloseTo(profile.availability(), within(0.0025));
    }
  }

  @Test
  void the_same_seed_gives_the_same_latencies_and_outcomes_and_another_seed_does_not() {
    // given
    long[] first = latencies(sandbox(7), GPT, 500);
    // when
    long[] again = latencies(sandbox(7), GPT, 500);
    long[] other = latencies(sandbox(8), GPT, 500);
    // then
    assertThat(again).containsExactly(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void each_model_has_its_own_random_stream() {
    // given
    long[] alone = latencies(sandbox(7), GPT, 50);
    SandboxProvider mixed = sandbox(7);
    long start = ticker.nanoTime();
    List<CompletableFuture<ChatResponse>> gpt = new ArrayList<>();
    // when: calls to another model are interleaved
    for (int i = 0; i < 50; i++) {
      mixed.complete(spec(DEEPSEEK), ChatRequest.ofUser("q"), LONG);
      CompletableFuture<ChatResponse> call = mixed.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
      gpt.add(call);
    }
    long[] times = new long[50];
    for (int i = 0; i < 50; i++) {
      int index = i;
      gpt.get(i).whenComplete((r, e) -> times[index] = e == null ? ticker.nanoTime() - start : FAILED);
    }
    ticker.advance(Duration.ofMinutes(10));
    // then
    assertThat(times).containsExactly(alone);
  }

  @Test
  void the_time_scale_multiplies_every_latency() {
    // given
    long[] real = latencies(sandbox(3), GPT, 200);
    SandboxProvider fast = SandboxProvider.builder().seed(3).timeScale(0.05).clock(ticker).build();
    // when
    long[] scaled = latencies(fast, GPT, 200);
    // then
    for (int i = 0; i < real.length; i++) {
      if (real[i] == FAILED) {
        assertThat(scaled[i]).isEqualTo(FAILED);
      } else {
        assertThat((double) scaled[i]).isCloseTo(real[i] * 0.05, within(2.0));
      }
    }
    double mean = Arrays.stream(scaled).filter(l -> l != FAILED).average().orElseThrow();
    assertThat(mean / 1e6).as("mean ms at 0.05").isCloseTo(90.0, within(15.0));
  }

  @Test
  void an_outage_fails_every_call_at_once_with_503_until_healed() {
    // given
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().outage(GPT);
    // when
    CompletableFuture<ChatResponse> during = sandbox.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
    CompletableFuture<ChatResponse> other = sandbox.complete(spec(DEEPSEEK), ChatRequest.ofUser("q"), LONG);
    ticker.runDue();
    // then
    ProviderException failure = failure(during);
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(failure.httpStatus()).isEqualTo(503);
    assertThat(other).isNotDone();
    assertThat(sandbox.faults().active()).containsOnlyKeys(GPT);
    assertThat(sandbox.faults().active().get(GPT).kind()).isEqualTo(SandboxFault.Kind.OUTAGE);
    // when healed
    sandbox.faults().heal(GPT);
    CompletableFuture<ChatResponse> after = sandbox.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
    ticker.advance(Duration.ofMinutes(5));
    // then
    assertThat(after).isCompleted();
    assertThat(other).isCompleted();
    assertThat(sandbox.faults().active()).isEmpty();
  }

  @Test
  void a_slowdown_multiplies_latency_by_its_factor() {
    // given
    long[] normal = latencies(sandbox(5), GPT, 100);
    SandboxProvider slow = sandbox(5);
    slow.faults().slowdown(GPT, 3);
    // when
    long[] slowed = latencies(slow, GPT, 100);
    // then
    for (int i = 0; i < normal.length; i++) {
      if (normal[i] != FAILED) {
        assertThat((double) slowed[i]).isCloseTo(normal[i] * 3.0, within(3.0));
      }
    }
    assertThat(slow.faults().active().get(GPT)).isEqualTo(SandboxFault.slowdown(3));
  }

  @Test
  void a_rate_limit_storm_answers_429_with_retry_after_until_healed() {
    // given
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().rateLimitStorm(GPT, Duration.ofSeconds(7));
    // when
    CompletableFuture<ChatResponse> call = sandbox.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
    ticker.runDue();
    // then
    ProviderException failure = failure(call);
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.httpStatus()).isEqualTo(429);
    assertThat(failure.retryAfter()).contains(Duration.ofSeconds(7));
    // when healed
    sandbox.faults().healAll();
    CompletableFuture<ChatResponse> after = sandbox.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
    ticker.advance(Duration.ofMinutes(5));
    // then
    assertThat(after).isCompleted();
  }

  @Test
  void a_stall_answers_nothing_until_the_timeout() {
    // given
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().stall(GPT);
    // when
    CompletableFuture<ChatResponse> call = sandbox.complete(spec(GPT), ChatRequest.ofUser("q"),
        CallOptions.of(Duration.ofSeconds(30), "t"));
    ticker.advance(Duration.ofSeconds(29));
    // then
    assertThat(call).isNotDone();
    ticker.advance(Duration.ofSeconds(1));
    assertThat(failure(call).kind()).isEqualTo(FailureKind.TIMEOUT);
  }

  @Test
  void a_call_slower_than_its_timeout_fails_with_timeout_when_the_timeout_passes() {
    // given: gpt-4.1 ten times slower never answers within a second
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().slowdown(GPT, 10);
    // when
    CompletableFuture<ChatResponse> call = sandbox.complete(spec(GPT), ChatRequest.ofUser("q"),
        CallOptions.of(Duration.ofSeconds(1), "t"));
    ticker.advance(Duration.ofMillis(999));
    assertThat(call).isNotDone();
    ticker.advance(Duration.ofMillis(1));
    // then
    assertThat(failure(call).kind()).isEqualTo(FailureKind.TIMEOUT);
  }

  @Test
  void a_stream_slower_than_its_timeout_fails_with_timeout_when_the_timeout_passes() {
    // given
    SandboxProvider sandbox = SandboxProvider.builder().clock(ticker)
        .profile(GPT, SandboxProfile.ofMillis(1_000, 1_000, 100).withTailProbability(0).withTokensPerSecond(40))
        .build();
    Recorder recorder = new Recorder();
    // when: the first chunk comes at 1 s, the stream would last well beyond 1.25 s
    sandbox.stream(spec(GPT), ChatRequest.ofUser("q").withStream(true), CallOptions.of(Duration.ofMillis(1_250), "t"),
        recorder);
    ticker.advance(Duration.ofMillis(1_249));
    assertThat(recorder.error).isNull();
    ticker.advance(Duration.ofMillis(1));
    // then
    assertThat(recorder.chunks).hasSizeBetween(2, 4);
    assertThat(recorder.error.kind()).isEqualTo(FailureKind.TIMEOUT);
    assertThat(recorder.completed).isFalse();
    assertThat(ticker.pendingTasks()).isZero();
  }

  @Test
  void the_request_limit_answers_429_with_the_time_until_a_place_frees_up() {
    // given
    SandboxProvider sandbox = SandboxProvider.builder().clock(ticker)
        .profile(GPT, SandboxProfile.ofMillis(100, 150, 100).withRequestsPerMinute(2)).build();
    sandbox.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
    ticker.advance(Duration.ofSeconds(20));
    sandbox.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
    // when
    CompletableFuture<ChatResponse> third = sandbox.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
    ticker.runDue();
    // then
    ProviderException failure = failure(third);
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.retryAfter()).contains(Duration.ofSeconds(40));
    // when the first call leaves the minute
    ticker.advance(Duration.ofSeconds(40));
    CompletableFuture<ChatResponse> fourth = sandbox.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
    ticker.advance(Duration.ofSeconds(10));
    // then
    assertThat(fourth).isCompleted();
  }

  @Test
  void answers_are_deterministic_with_plausible_usage() {
    // given
    SandboxProvider sandbox = sandbox(1);
    ChatRequest request = ChatRequest.builder().system("Be brief.").user("What is a circuit breaker?").build();
    // when
    CompletableFuture<ChatResponse> first = sandbox.complete(spec(GPT), request, LONG);
    CompletableFuture<ChatResponse> second = sandbox.complete(spec(GPT), request, LONG);
    CompletableFuture<ChatResponse> capped = sandbox.complete(spec(GPT),
        ChatRequest.builder().user("What is a circuit breaker?").maxTokens(5).build(), LONG);
    ticker.advance(Duration.ofMinutes(5));
    // then
    ChatResponse answer = first.join();
    assertThat(answer.content()).startsWith("[gpt-4.1]").isEqualTo(second.join().content());
    assertThat(answer.finishReason()).isEqualTo("stop");
    assertThat(answer.usage().promptTokens()).isEqualTo(TokenEstimator.CHARS_PER_TOKEN.estimatePromptTokens(request));
    assertThat(answer.usage().completionTokens()).isBetween(12L, 59L)
        .isEqualTo(answer.content().split(" ").length);
    assertThat(capped.join().usage().completionTokens()).isEqualTo(5);
    assertThat(capped.join().finishReason()).isEqualTo("length");
    assertThat(answer.upstreamModel()).isEqualTo("gpt-4.1");
  }

  @Test
  void a_stream_delivers_paced_chunks_then_the_finish_reason_and_usage() {
    // given
    SandboxProvider sandbox = SandboxProvider.builder().clock(ticker)
        .profile(GPT, SandboxProfile.ofMillis(1_000, 1_000, 100).withTailProbability(0).withTokensPerSecond(40))
        .build();
    ChatRequest request = ChatRequest.ofUser("Tell me about failover.").withStream(true);
    Recorder recorder = new Recorder();
    // when
    sandbox.stream(spec(GPT), request, LONG, recorder);
    ticker.advance(Duration.ofMillis(990));
    // then: the fixed 1 s latency comes first
    assertThat(recorder.chunks).isEmpty();
    ticker.advance(Duration.ofMillis(20));
    assertThat(recorder.chunks).hasSize(1);
    ticker.advance(Duration.ofMillis(100));
    // four words a chunk at 40 tokens a second: one chunk every 100 ms
    assertThat(recorder.chunks).hasSize(2);
    ticker.advance(Duration.ofMinutes(1));
    assertThat(recorder.completed).isTrue();
    List<ChatChunk> chunks = recorder.chunks;
    assertThat(chunks.size()).isGreaterThanOrEqualTo(5);
    StringBuilder text = new StringBuilder();
    chunks.forEach(c -> text.append(c.text()));
    ChatResponse whole = advanceAndGet(sandbox, request);
    assertThat(text.toString()).isEqualTo(whole.content());
    assertThat(chunks.get(chunks.size() - 2).finishReason()).isEqualTo("stop");
    Usage usage = chunks.get(chunks.size() - 1).usage();
    assertThat(usage).isEqualTo(whole.usage());
    assertThat(recorder.error).isNull();
  }

  @Test
  void a_broken_stream_delivers_half_its_chunks_then_fails() {
    // given
    SandboxProvider sandbox = sandbox(1);
    sandbox.faults().brokenStream(GPT);
    Recorder recorder = new Recorder();
    // when
    sandbox.stream(spec(GPT), ChatRequest.ofUser("q").withStream(true), LONG, recorder);
    ticker.advance(Duration.ofMinutes(5));
    // then
    assertThat(recorder.completed).isFalse();
    assertThat(recorder.error.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(recorder.chunks).isNotEmpty().allSatisfy(c -> assertThat(c.usage()).isNull());
  }

  @Test
  void cancelling_a_call_cancels_its_timer() {
    // given
    SandboxProvider sandbox = sandbox(1);
    CompletableFuture<ChatResponse> call = sandbox.complete(spec(GPT), ChatRequest.ofUser("q"), LONG);
    assertThat(ticker.pendingTasks()).isEqualTo(1);
    // when
    call.cancel(true);
    // then
    assertThat(ticker.pendingTasks()).isZero();
  }

  @Test
  void cancelling_a_stream_stops_its_chunks_and_timers() {
    // given
    SandboxProvider sandbox = SandboxProvider.builder().clock(ticker)
        .profile(GPT, SandboxProfile.ofMillis(1_000, 1_000, 100).withTailProbability(0).withTokensPerSecond(40))
        .build();
    Recorder recorder = new Recorder();
    StreamHandle handle = sandbox.stream(spec(GPT), ChatRequest.ofUser("q").withStream(true), LONG, recorder);
    ticker.advance(Duration.ofMillis(1_150));
    assertThat(recorder.chunks).hasSize(2);
    // when
    handle.cancel();
    ticker.advance(Duration.ofMinutes(1));
    // then
    assertThat(recorder.chunks).hasSize(2);
    assertThat(recorder.completed).isFalse();
    assertThat(recorder.error).isNull();
    assertThat(ticker.pendingTasks()).isZero();
  }

  @Test
  void a_model_without_a_profile_is_not_found() {
    // given
    SandboxProvider sandbox = sandbox(1);
    // when
    CompletableFuture<ChatResponse> call = sandbox.complete(ModelSpec.builder("no-such-model", "sandbox").build(),
        ChatRequest.ofUser("q"), LONG);
    ticker.runDue();
    // then
    ProviderException failure = failure(call);
    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure.httpStatus()).isEqualTo(404);
    assertThatThrownBy(() -> sandbox.faults().outage(ModelId.of("no-such-model")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-model");
  }

  @Test
  void the_tutorial_profiles_cover_the_tutorial_catalog() {
    // when
    ModelCatalog catalog = TutorialModels.catalog(ProviderId.of("sim"));
    // then: every model of the catalog is simulated, and nothing else
    assertThat(catalog.models()).extracting(ModelSpec::id)
        .containsExactlyInAnyOrderElementsOf(SandboxProfiles.tutorial().keySet());
    assertThat(SandboxProvider.create().profiles()).isEqualTo(SandboxProfiles.tutorial());
  }

  @Test
  void bad_settings_are_rejected_with_the_setting_named() {
    assertThatThrownBy(() -> SandboxProvider.builder().seed(1).seed(2))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("seed");
    assertThatThrownBy(() -> SandboxProvider.builder().timeScale(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("time_scale");
    assertThatThrownBy(() -> SandboxProfile.ofMillis(1_000, 900, 99))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p95_latency");
    assertThatThrownBy(() -> SandboxProfile.ofMillis(1_000, 5_000, 99))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p95_latency");
    assertThatThrownBy(() -> SandboxProfile.ofMillis(1_000, 1_500, 101))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("availability");
    assertThat(SandboxFault.Kind.ofWireName("Rate_Limit")).isEqualTo(SandboxFault.Kind.RATE_LIMIT);
    assertThatThrownBy(() -> SandboxFault.Kind.ofWireName("meltdown"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fault").hasMessageContaining("outage");
    assertThatThrownBy(() -> SandboxFault.slowdown(0.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("factor");
  }

  private ChatResponse advanceAndGet(SandboxProvider sandbox, ChatRequest request) {
    CompletableFuture<ChatResponse> call = sandbox.complete(spec(GPT), request.withStream(false), LONG);
    ticker.advance(Duration.ofMinutes(5));
    return call.join();
  }

  /** Starts {@code n} calls at once and returns each one's latency in nanoseconds, or {@link #FAILED}. */
  private long[] latencies(SandboxProvider sandbox, ModelId model, int n) {
    long start = ticker.nanoTime();
    long[] latencies = new long[n];
    for (int i = 0; i < n; i++) {
      int index = i;
      sandbox.complete(spec(model), ChatRequest.ofUser("q"), LONG)
          .whenComplete((r, e) -> latencies[index] = e == null ? ticker.nanoTime() - start : FAILED);
    }
    ticker.advance(Duration.ofMinutes(10));
    assertThat(ticker.pendingTasks()).isZero();
    return latencies;
  }

  private static ModelSpec spec(ModelId model) {
    return CATALOG.require(model);
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

  private static final class Recorder implements StreamListener {
    final List<ChatChunk> chunks = new ArrayList<>();
    boolean completed;
    ProviderException error;

    @Override
    public void onChunk(ChatChunk chunk) {
      chunks.add(chunk);
    }

    @Override
    public void onComplete() {
      completed = true;
    }

    @Override
    public void onError(ProviderException failure) {
      error = failure;
    }
  }
}
