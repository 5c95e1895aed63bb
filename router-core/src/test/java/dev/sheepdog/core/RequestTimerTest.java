package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Usage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The request's one timer: armed only while a call is pending, due at the earliest of the deadline
 * and the attempt's timeout, and gone when the request ends, whoever ends it.
 */
class RequestTimerTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");
  private final HeldProvider held = new HeldProvider();
  private final AtomicInteger scheduled = new AtomicInteger();
  private final RouterSettings settings = RouterSettings.defaults()
      .withDeadline(Duration.ofSeconds(30))
      .withAttemptTimeout(Duration.ofSeconds(10))
      .withRetry(RetryConfig.noRetries());

  @Test
  void a_pending_call_keeps_one_timer_for_its_timeout_and_the_deadline() {
    // given
    Router router = heldRouter();
    // when
    CompletableFuture<RoutedResponse> call = router.route(hello, RouteHints.DEFAULT);
    // then: one task, due at the attempt's timeout (10 s), not one per timer
    assertThat(world.ticker.pendingDelays()).containsExactly(Duration.ofSeconds(10));
    assertThat(scheduled).hasValue(1);

    // when the first attempt times out, the next model is called and the one timer follows it
    world.ticker.advance(Duration.ofSeconds(10));
    assertThat(held.calls).hasSize(2);
    assertThat(held.calls.get(0).isCancelled()).as("the timed-out call is cancelled").isTrue();
    assertThat(world.ticker.pendingDelays()).containsExactly(Duration.ofSeconds(10));

    // when the third attempt's timeout is cut to the deadline, the deadline ends the request
    world.ticker.advance(Duration.ofSeconds(10));
    assertThat(world.ticker.pendingDelays()).containsExactly(Duration.ofSeconds(10));
    world.ticker.advance(Duration.ofSeconds(10));
    assertThat(call).isCompletedExceptionally();
    assertThat(call.handle((r, e) -> e).join()).isInstanceOf(DeadlineExceededException.class);
    assertThat(world.ticker.pendingTasks()).isZero();
  }

  @Test
  void an_answer_there_when_the_call_returns_arms_no_timer() {
    // given a provider whose futures are complete when it returns them
    held.answerAtOnce = ChatResponse.of("id", "a", "at once", "stop", new Usage(3, 2));
    Router router = heldRouter();
    // when
    CompletableFuture<RoutedResponse> call = router.route(hello, RouteHints.DEFAULT);
    // then
    assertThat(call.join().content()).isEqualTo("at once");
    assertThat(scheduled).as("nothing was ever scheduled").hasValue(0);
  }

  @Test
  void an_answer_after_the_call_returned_cancels_the_timer() {
    // given
    Router router = heldRouter();
    CompletableFuture<RoutedResponse> call = router.route(hello, RouteHints.DEFAULT);
    // when
    held.calls.get(0).complete(ChatResponse.of("id", "a", "hi", "stop", new Usage(3, 1)));
    // then
    assertThat(call.join().content()).isEqualTo("hi");
    assertThat(world.ticker.pendingTasks()).isZero();
  }

  @Test
  void the_caller_completing_the_future_ends_the_request() {
    // given
    Router router = heldRouter();
    CompletableFuture<RoutedResponse> call = router.route(hello, RouteHints.DEFAULT);
    // when the caller gives up by completing the future itself
    call.completeExceptionally(new IllegalStateException("gave up"));
    // then the call in flight is cancelled and no timer is left
    assertThat(held.calls).hasSize(1);
    assertThat(held.calls.get(0).isCancelled()).isTrue();
    assertThat(world.ticker.pendingTasks()).isZero();
  }

  @Test
  void the_caller_completing_the_future_asynchronously_ends_the_request_too() {
    // given
    Router router = heldRouter();
    CompletableFuture<RoutedResponse> call = router.route(hello, RouteHints.DEFAULT);
    // when
    call.completeAsync(() -> null, Runnable::run);
    // then
    assertThat(call.join()).isNull();
    assertThat(held.calls.get(0).isCancelled()).isTrue();
    assertThat(world.ticker.pendingTasks()).isZero();
  }

  @Test
  void a_provider_timeout_at_the_deadline_is_the_deadline_not_the_models_failure() {
    // given a provider that honours its timeout, cut to the request's 5 s deadline; its own timer
    // is queued before the router's, so at 5 s it fires first
    held.timeoutsOn = world.ticker;
    Router router = heldRouter();
    RouteHints hasty = RouteHints.builder().deadline(Duration.ofSeconds(5)).build();
    CompletableFuture<RoutedResponse> call = router.route(hello, hasty);
    // when
    world.ticker.advance(Duration.ofSeconds(5));
    // then the request ends at its deadline, without failing over at the last instant
    assertThat(call.handle((r, e) -> e).join()).isInstanceOf(DeadlineExceededException.class);
    assertThat(held.calls).hasSize(1);
    assertThat(router.candidate(dev.sheepdog.spi.ModelId.of("a")).health().consecutiveFailures()).isZero();
  }

  private Router heldRouter() {
    return Router.builder().catalog(RouterFixture.CATALOG).provider(held).provider(world.p2)
        .strategy(RouterFixture.TABLE)
        .ticker(world.ticker)
        .scheduler((task, delay, unit) -> {
          scheduled.incrementAndGet();
          return world.ticker.schedule(task, delay, unit);
        })
        .settings(settings).build();
  }

  /** Answers only when a test completes the futures it handed out, or at once if told to. */
  static final class HeldProvider implements ChatProvider {
    final List<CompletableFuture<ChatResponse>> calls = new CopyOnWriteArrayList<>();
    volatile ChatResponse answerAtOnce;
    /** When set, each call fails with TIMEOUT once its CallOptions timeout passes on this clock. */
    volatile dev.sheepdog.testkit.ManualTicker timeoutsOn;

    @Override
    public ProviderId id() {
      return ProviderId.of("p1");
    }

    @Override
    public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
      CompletableFuture<ChatResponse> call = answerAtOnce == null ? new CompletableFuture<>()
          : CompletableFuture.completedFuture(answerAtOnce);
      calls.add(call);
      if (timeoutsOn != null) {
        timeoutsOn.schedule(() -> call.completeExceptionally(
            dev.sheepdog.spi.ProviderException.of(FailureKind.TIMEOUT, "read timed out")),
            options.timeout().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
      }
      return call;
    }

    @Override
    public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
      throw new UnsupportedOperationException("not streamed here");
    }
  }
}
