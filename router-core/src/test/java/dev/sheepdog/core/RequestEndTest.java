package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.testkit.Outcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** However a request ends, it ends once: one terminal event, and every attempt started has an end. */
class RequestEndTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  private long terminalEvents() {
    return world.events.stream()
        .filter(e -> e instanceof RouterEvent.RequestSucceeded || e instanceof RouterEvent.RequestFailed).count();
  }

  @Test
  void an_answer_settling_as_the_deadline_passes_ends_the_request_once() {
    // given: a answers at 1 s against a 5 s deadline; the moment its answer is recorded, the deadline passes
    world.p1.model("a").then(Outcome.ok("late").after(Duration.ofSeconds(1)));
    Router router = world.builder().listener(event -> {
      if (event instanceof RouterEvent.AttemptSucceeded) {
        world.ticker.advance(Duration.ofSeconds(5));
      }
    }).build();
    CompletableFuture<RoutedResponse> answer = router.route(hello,
        RouteHints.builder().deadline(Duration.ofSeconds(5)).build());
    // when
    world.ticker.advance(Duration.ofSeconds(1));
    // then: one end, the one the caller sees; a deadline's trail holds no answer
    assertThat(terminalEvents()).isEqualTo(1);
    Throwable failure = answer.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join();
    if (failure == null) {
      assertThat(world.events(RouterEvent.RequestSucceeded.class)).hasSize(1);
    } else {
      assertThat(world.events(RouterEvent.RequestFailed.class)).hasSize(1);
      assertThat(((RoutingException) failure).attempts()).allSatisfy(a -> assertThat(a.failure()).isNotNull());
    }
  }

  @Test
  void a_call_cancelled_by_the_caller_ends_with_attempt_failed_and_request_failed() {
    // given
    world.p1.model("a").then(Outcome.hang());
    Router router = world.router();
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    // when
    answer.cancel(true);
    // then
    assertThat(world.events(RouterEvent.AttemptStarted.class)).hasSize(1);
    assertThat(world.events(RouterEvent.AttemptFailed.class)).singleElement()
        .satisfies(e -> assertThat(e.kind()).isEqualTo(FailureKind.CANCELLED));
    assertThat(world.events(RouterEvent.RequestFailed.class)).hasSize(1);
    assertThat(world.p1.calls()).singleElement().satisfies(c -> assertThat(c.wasCancelled()).isTrue());
  }

  @Test
  void a_request_cancelled_as_its_attempt_starts_calls_no_provider_and_leaves_no_timer() {
    // given: a fails at 50 ms; the caller cancels the moment the attempt on b starts; requests are hedged
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAVAILABLE, 503).after(Duration.ofMillis(50)));
    AtomicReference<CompletableFuture<RoutedResponse>> caller = new AtomicReference<>();
    Router router = world.builder()
        .hedging(HedgingConfig.after(Duration.ofMillis(100)).withBudget(1.0, 10, Duration.ofSeconds(10)))
        .listener(event -> {
          if (event instanceof RouterEvent.AttemptStarted started && started.attempt() == 2) {
            caller.get().cancel(true);
          }
        }).build();
    caller.set(router.route(hello, RouteHints.DEFAULT));
    // when
    world.ticker.advance(Duration.ofMillis(50));
    // then
    assertThat(caller.get()).isCancelled();
    assertThat(world.p1.callCount("b")).isZero();
    assertThat(world.ticker.pendingTasks()).isZero();
    assertThat(router.healthReport().model("b").orElseThrow().inFlight()).isZero();
    assertThat(world.events(RouterEvent.AttemptFailed.class)).extracting(RouterEvent.AttemptFailed::attempt,
        RouterEvent.AttemptFailed::kind).containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, FailureKind.UNAVAILABLE),
            org.assertj.core.groups.Tuple.tuple(2, FailureKind.CANCELLED));
  }
}
