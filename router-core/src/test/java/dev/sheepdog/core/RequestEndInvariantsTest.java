package dev.sheepdog.core;

import dev.sheepdog.core.deferred.ForwardingDeferredQueue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * 10,000 requests, completions and streams, overlapping in time on a manual clock: random
 * deadlines, cancels by the caller (some while the request is being deferred), hedges, 503s,
 * timeouts, 429s, context-too-long answers, prompts too long for some models, streams cut after
 * chunks and a 401 now and then. Whatever the mix, every request ends once and leaves nothing
 * behind. One seeded thread drives it, so a failure replays exactly; RouterConcurrencyTest covers
 * real threads.
 */
class RequestEndInvariantsTest {
  private static final int REQUESTS = 10_000;
  private static final ModelCatalog CATALOG = ModelCatalog.of(
      ModelSpec.builder("a", "p1").price("1.00", "2.00").contextWindow(8_000).limits(0, 400_000).build(),
      ModelSpec.builder("b", "p1").price("2.00", "4.00").contextWindow(32_000).build(),
      ModelSpec.builder("c", "p1").price("3.00", "6.00").contextWindow(128_000).limits(600, 2_000_000).build(),
      ModelSpec.builder("x", "p2").price("0.50", "1.00").contextWindow(8_000).build());
  private static final RouteTableStrategy TABLE = RouteTableStrategy.builder()
      .route(TaskType.GENERAL, Priority.NORMAL, "a", "b", "c")
      .route(TaskType.GENERAL, Priority.FAST, "x", "a")
      .route(TaskType.CODE_GENERATION, Priority.NORMAL, "c", "b")
      .build();

  private final ManualTicker ticker = new ManualTicker();
  private final SplittableRandom random = new SplittableRandom(14);
  private final ScriptedProvider p1 = ScriptedProvider.create("p1", ticker);
  private final ScriptedProvider p2 = ScriptedProvider.create("p2", ticker);
  /** How each caller may cancel its request, by request id. */
  private final Map<String, Runnable> cancels = new HashMap<>();
  /** The deferred id each caller saw with its failure, by request id; absent when it saw none. */
  private final Map<String, String> seenDeferredIds = new HashMap<>();
  private final Map<String, Integer> terminalEvents = new HashMap<>();
  private final Map<String, Integer> attemptEnds = new HashMap<>();
  private final List<String> problems = new ArrayList<>();

  @Test
  void every_request_ends_once_every_attempt_once_and_the_ledger_matches_what_providers_billed() {
    // given
    scriptEveryModel();
    InMemoryDeferredQueue parked = new InMemoryDeferredQueue(REQUESTS, REQUESTS);
    Router router = Router.builder().catalog(CATALOG).provider(p1).provider(p2).strategy(TABLE).clock(ticker)
        .settings(RouterSettings.defaults()
            .withAttemptTimeout(Duration.ofSeconds(2))
            .withRetry(RetryConfig.defaults().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.2)
                .withBudget(0.5, 20, Duration.ofSeconds(10)))
            .withCircuit(CircuitBreakerConfig.defaults().withRecovery(Duration.ofSeconds(2), 2, Duration.ofSeconds(8))))
        .hedging(HedgingConfig.after(Duration.ofMillis(150)).withBudget(0.3, 20, Duration.ofSeconds(10)))
        .deferredQueue(new CancellingQueue(parked))
        .listener(this::hear)
        .build();
    // when: a request every 5 ms, each living on the clock with the others
    for (int i = 0; i < REQUESTS; i++) {
      int n = i;
      ticker.schedule(() -> send(router, n), 5L * i, TimeUnit.MILLISECONDS);
    }
    ticker.advance(Duration.ofHours(1));
    // then: one end per request
    assertThat(problems).isEmpty();
    assertThat(terminalEvents).hasSize(REQUESTS);
    assertThat(terminalEvents).allSatisfy((request, ends) -> assertThat(ends).as(request).isEqualTo(1));
    // every attempt started has exactly one end
    assertThat(attemptEnds).isNotEmpty();
    assertThat(attemptEnds).allSatisfy((attempt, ends) -> assertThat(ends).as(attempt).isEqualTo(1));
    // every reservation is settled, and the ledger holds exactly what the providers billed
    for (ModelSpec spec : CATALOG.models()) {
      assertThat(router.openReservations(spec.id())).as(spec.id().value()).isZero();
      assertThat(router.healthReport().model(spec.id().value()).orElseThrow().inFlight()).isZero();
    }
    assertThat(router.ledger().total()).isEqualTo(billed());
    // no parked request whose caller saw its failure without the id
    assertThat(parked.entries()).isNotEmpty();
    for (DeferredEntry entry : parked.entries()) {
      assertThat(seenDeferredIds.get(entry.request().idempotencyKey())).as(entry.request().idempotencyKey())
          .isEqualTo(entry.id());
    }
    assertThat(ticker.pendingTasks()).isZero();
  }

  private void scriptEveryModel() {
    p1.model("a").thenFrom(mix(true));
    p1.model("b").thenFrom(mix(true));
    p1.model("c").thenFrom(mix(false));
    p2.model("x").thenFrom(() -> random.nextInt(200) == 0 ? Outcome.fail(FailureKind.UNAUTHORIZED, 401)
        : mix(false).get());
  }

  /** A seeded mix of what a model does for one call; {@code tooLong}: it may say the prompt is too long. */
  private Supplier<Outcome> mix(boolean tooLong) {
    return () -> {
      Duration latency = Duration.ofMillis(random.nextInt(600));
      int roll = random.nextInt(100);
      if (roll < 40) {
        return Outcome.stream("one ", "two ", "three ", "four").every(Duration.ofMillis(50)).after(latency)
            .withUsage(20 + random.nextInt(50), 4).withRunningUsage();
      }
      if (roll < 55) {
        return Outcome.stream("one ", "two ", "three ", "four").every(Duration.ofMillis(50)).after(latency)
            .withUsage(20 + random.nextInt(50), 4).withRunningUsage()
            .failingAfter(1 + random.nextInt(3), random.nextBoolean() ? FailureKind.UNAVAILABLE
                : FailureKind.CONTENT_FILTERED);
      }
      if (roll < 70) {
        return Outcome.fail(FailureKind.UNAVAILABLE, 503).after(latency);
      }
      if (roll < 75) {
        return Outcome.hang();
      }
      if (roll < 80) {
        return Outcome.rateLimited(Duration.ofMillis(300)).after(latency);
      }
      if (roll < 86 && tooLong) {
        return Outcome.fail(FailureKind.CONTEXT_TOO_LONG, 400).after(latency);
      }
      return Outcome.ok().after(latency);
    };
  }

  private void send(Router router, int n) {
    String id = "r-" + n;
    RouteHints.Builder hints = RouteHints.builder().requestId(id)
        .deadline(Duration.ofMillis(300 + random.nextInt(6_000)))
        .allowDeferral(random.nextInt(3) == 0);
    switch (random.nextInt(3)) {
      case 0 -> hints.priority(Priority.FAST);
      case 1 -> hints.task(TaskType.CODE_GENERATION);
      default -> { }
    }
    // one prompt in ten needs more than a's and x's 8,000 tokens
    ChatRequest request = ChatRequest.ofUser(random.nextInt(10) == 0 ? "x".repeat(40_000) : "Hello " + n);
    if (random.nextBoolean()) {
      CompletableFuture<RoutedResponse> answer = router.route(request, hints.build());
      cancels.put(id, () -> answer.cancel(true));
      answer.whenComplete((ok, error) -> sawEnd(id, error));
    } else {
      RoutedStream stream = router.stream(request, hints.build(), new RoutedStreamListener() {
        @Override
        public void onChunk(ModelId model, ChatChunk chunk) {}

        @Override
        public void onComplete(RoutedStreamResult result) {}

        @Override
        public void onError(RouterException error) {
          sawEnd(id, error);
        }
      });
      cancels.put(id, stream::cancel);
    }
    if (random.nextInt(8) == 0) {
      ticker.schedule(() -> cancels.get(id).run(), random.nextInt(3_000), TimeUnit.MILLISECONDS);
    }
  }

  private void sawEnd(String id, Throwable error) {
    Throwable cause = error instanceof CompletionException c ? c.getCause() : error;
    if (cause instanceof AllModelsFailedException failed && failed.deferredId().isPresent()) {
      if (seenDeferredIds.put(id, failed.deferredId().get()) != null) {
        problems.add(id + " heard of its deferral twice");
      }
    }
  }

  private void hear(RouterEvent event) {
    if (event instanceof RouterEvent.RequestSucceeded ok) {
      terminalEvents.merge(ok.requestId(), 1, Integer::sum);
    } else if (event instanceof RouterEvent.RequestFailed failed) {
      terminalEvents.merge(failed.requestId(), 1, Integer::sum);
    } else if (event instanceof RouterEvent.AttemptStarted started) {
      if (attemptEnds.putIfAbsent(started.requestId() + "#" + started.attempt(), 0) != null) {
        problems.add("attempt started twice: " + started);
      }
    } else if (event instanceof RouterEvent.AttemptSucceeded ok) {
      ended(ok.requestId() + "#" + ok.attempt());
    } else if (event instanceof RouterEvent.AttemptFailed failed) {
      ended(failed.requestId() + "#" + failed.attempt());
    }
  }

  private void ended(String attempt) {
    if (attemptEnds.computeIfPresent(attempt, (key, ends) -> ends + 1) == null) {
      problems.add("an attempt ended that never started: " + attempt);
    }
  }

  private Money billed() {
    long nanos = 0;
    for (ScriptedProvider provider : List.of(p1, p2)) {
      for (ScriptedProvider.Call call : provider.calls()) {
        nanos += CATALOG.require(call.model()).price().cost(call.billed()).nanos();
      }
    }
    return Money.ofNanos(nanos);
  }

  /** The in-memory queue, whose offers now and then find the caller cancelling at that very moment. */
  private final class CancellingQueue extends ForwardingDeferredQueue {
    CancellingQueue(InMemoryDeferredQueue delegate) {
      super(delegate);
    }

    @Override
    public boolean offer(DeferredRequest request) {
      Runnable cancel = cancels.get(request.idempotencyKey());
      if (cancel != null && random.nextInt(4) == 0) {
        cancel.run();
      }
      return super.offer(request);
    }
  }
}
