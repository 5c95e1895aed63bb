package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StreamRoutingTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");
  private final RecordingListener listener = new RecordingListener();

  /** What a caller of {@code Router.stream} saw, in order. */
  static final class RecordingListener implements RoutedStreamListener {
    final List<String> chunks = new CopyOnWriteArrayList<>();
    final List<RoutedStreamResult> completions = new CopyOnWriteArrayList<>();
    final List<RouterException> errors = new CopyOnWriteArrayList<>();

    @Override
    public void onChunk(ModelId model, ChatChunk chunk) {
      if (!chunk.text().isEmpty()) {
        chunks.add(model.value() + ":" + chunk.text());
      }
    }

    @Override
    public void onComplete(RoutedStreamResult result) {
      completions.add(result);
    }

    @Override
    public void onError(RouterException error) {
      errors.add(error);
    }
  }

  @Test
  void a_stream_that_fails_before_its_first_chunk_fails_over_without_the_caller_noticing() {
    // given
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.p1.model("b").then(Outcome.stream("Hel", "lo").withUsage(100, 50));
    Router router = world.router();
    // when
    router.stream(hello, RouteHints.DEFAULT, listener);
    // then
    assertThat(listener.chunks).containsExactly("b:Hel", "b:lo");
    assertThat(listener.errors).isEmpty();
    assertThat(listener.completions).singleElement().satisfies(done -> {
      assertThat(done.model().value()).isEqualTo("b");
      assertThat(done.usage()).isEqualTo(new Usage(100, 50));
      assertThat(done.cost()).isEqualTo(Money.ofNanos(400_000));
      assertThat(done.attempts()).extracting(x -> x.model().value()).containsExactly("a", "b");
    });
  }

  @Test
  void on_start_names_the_serving_model_and_its_attempt_once_before_the_first_chunk() {
    // given
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.p1.model("b").then(Outcome.stream("Hel", "lo"));
    List<String> calls = new CopyOnWriteArrayList<>();
    // when
    world.router().stream(hello, RouteHints.DEFAULT, new RoutedStreamListener() {
      @Override
      public void onStart(ModelId model, int attempt) {
        calls.add("start " + model.value() + " #" + attempt);
      }

      @Override
      public void onChunk(ModelId model, ChatChunk chunk) {
        if (!chunk.text().isEmpty()) {
          calls.add("chunk " + chunk.text());
        }
      }

      @Override
      public void onComplete(RoutedStreamResult result) {
        calls.add("complete");
      }

      @Override
      public void onError(RouterException error) {
        calls.add("error");
      }
    });
    // then
    assertThat(calls).containsExactly("start b #2", "chunk Hel", "chunk lo", "complete");
  }

  @Test
  void a_stream_that_breaks_after_its_first_chunk_ends_with_one_error_and_no_failover() {
    // given
    world.p1.model("a").then(Outcome.stream("one ", "two ", "three").failingAfter(1, FailureKind.UNAVAILABLE));
    Router router = world.router();
    // when
    router.stream(hello, RouteHints.DEFAULT, listener);
    world.ticker.advance(Duration.ofMinutes(1));
    // then
    assertThat(listener.chunks).containsExactly("a:one ");
    assertThat(listener.completions).isEmpty();
    assertThat(listener.errors).singleElement().isInstanceOfSatisfying(StreamInterruptedException.class, e -> {
      assertThat(e.model().value()).isEqualTo("a");
      assertThat(e.kind()).isEqualTo(FailureKind.UNAVAILABLE);
      assertThat(e.chunksDelivered()).isEqualTo(1);
    });
    assertThat(world.p1.callCount("b")).isZero();
  }

  @Test
  void a_slow_stream_is_not_cut_by_the_attempt_timeout_once_it_has_started() {
    // given: chunks 40 s apart against the 60 s attempt timeout; the provider itself does not time out
    world.p1.ignoreTimeouts();
    world.p1.model("a").then(Outcome.stream("one ", "two ", "three").every(Duration.ofSeconds(40)));
    RouterSettings d = RouterSettings.defaults();
    Router router = world.router(new RouterSettings(Duration.ofMinutes(5), d.attemptTimeout(), d.retry(), d.circuit(),
        d.allOpenPolicy(), d.defaultRetryAfter()));
    // when
    router.stream(hello, RouteHints.builder().deadline(Duration.ofMinutes(5)).build(), listener);
    world.ticker.advance(Duration.ofSeconds(120));
    // then
    assertThat(listener.errors).isEmpty();
    assertThat(listener.chunks).containsExactly("a:one ", "a:two ", "a:three");
    assertThat(listener.completions).hasSize(1);
  }

  @Test
  void cancelling_a_routed_stream_cancels_the_upstream_call_and_silences_the_listener() {
    // given
    world.p1.model("a").then(Outcome.stream("one ", "two ").every(Duration.ofSeconds(1)));
    Router router = world.router();
    RoutedStream stream = router.stream(hello, RouteHints.DEFAULT, listener);
    // when
    stream.cancel();
    world.ticker.advance(Duration.ofMinutes(2));
    // then
    assertThat(world.p1.calls()).singleElement().satisfies(c -> assertThat(c.wasCancelled()).isTrue());
    assertThat(listener.chunks).containsExactly("a:one ");
    assertThat(listener.completions).isEmpty();
    assertThat(listener.errors).isEmpty();
    assertThat(world.p1.callCount("b")).isZero();
  }

  @ParameterizedTest
  @EnumSource(value = FailureKind.class, names = {"CONTENT_FILTERED", "BAD_REQUEST", "CONTEXT_TOO_LONG"})
  void a_refusal_after_the_first_chunk_ends_the_stream_as_interrupted(FailureKind kind) {
    // given
    world.p1.model("a").then(Outcome.stream("one ", "two ", "three").failingAfter(1, kind));
    Router router = world.router();
    // when
    router.stream(hello, RouteHints.DEFAULT, listener);
    // then
    assertThat(listener.chunks).containsExactly("a:one ");
    assertThat(listener.errors).singleElement().isInstanceOfSatisfying(StreamInterruptedException.class, e -> {
      assertThat(e.kind()).isEqualTo(kind);
      assertThat(e.chunksDelivered()).isEqualTo(1);
    });
  }

  /** a at $1 / $2 per 1M tokens, 100,000 tokens a minute (a burst of 10,000). */
  private Router meteredRouter() {
    return Router.builder()
        .catalog(ModelCatalog.of(ModelSpec.builder("a", "p1").price("1.00", "2.00").limits(0, 100_000).build()))
        .provider(world.p1).clock(world.ticker)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a").build())
        .build();
  }

  private static long tokensAvailable(Router router) {
    return router.healthReport().model("a").orElseThrow().headroom().tokensAvailable();
  }

  @Test
  void a_stream_cut_after_chunks_is_charged_for_its_prompt_and_the_text_it_sent() {
    // given: "Hello" is estimated at 9 prompt tokens; "one two " at 2 tokens of four characters
    world.p1.model("a").then(Outcome.stream("one ", "two ", "three").failingAfter(2, FailureKind.UNAVAILABLE));
    Router router = meteredRouter();
    // when
    router.stream(hello, RouteHints.DEFAULT, listener);
    // then: 9 × $1 + 2 × $2 per 1M tokens, and the limiter's burst of 10,000 tokens has those 11 fewer
    assertThat(listener.errors).singleElement().isInstanceOf(StreamInterruptedException.class);
    assertThat(router.ledger().total()).isEqualTo(Money.ofNanos(9 * 1_000 + 2 * 2_000));
    assertThat(tokensAvailable(router)).isEqualTo(10_000 - 11);
  }

  @Test
  void a_stream_cancelled_by_its_caller_after_chunks_is_charged_for_the_usage_last_reported() {
    // given: the provider reports its usage so far with every chunk
    world.p1.model("a").then(Outcome.stream("one ", "two ", "three").every(Duration.ofSeconds(1))
        .withUsage(40, 3).withRunningUsage());
    Router router = meteredRouter();
    RoutedStream stream = router.stream(hello, RouteHints.DEFAULT, listener);
    world.ticker.advance(Duration.ofSeconds(1));
    // when: cancelled after two chunks, each reported with the usage billed so far
    stream.cancel();
    world.ticker.advance(Duration.ofMinutes(1));
    // then: 40 prompt tokens and 2 completion tokens
    assertThat(listener.chunks).containsExactly("a:one ", "a:two ");
    assertThat(router.ledger().total()).isEqualTo(Money.ofNanos(40 * 1_000 + 2 * 2_000));
  }
}
