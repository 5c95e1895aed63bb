package dev.sheepdog.core;

import dev.sheepdog.core.deferred.ForwardingDeferredQueue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.deferred.DeferredQuota;
import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.core.deferred.DeferredReplayListener;
import dev.sheepdog.core.deferred.DeferredReplayer;
import dev.sheepdog.core.deferred.ReplayPolicy;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.ModelId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DeferralTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");
  private final RouteHints deferrable = RouteHints.builder().allowDeferral(true).requestId("r-1").build();

  private Router routerWithQueue(DeferredQueue queue) {
    world.p1.model("a").thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.p1.model("b").thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.p1.model("c").thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    RouterSettings d = RouterSettings.defaults();
    return world.builder().deferredQueue(queue).settings(new RouterSettings(d.deadline(), d.attemptTimeout(),
        RetryConfig.noRetries(), d.circuit(), d.allOpenPolicy(), d.defaultRetryAfter())).build();
  }

  @Test
  void a_request_that_failed_everywhere_is_parked_and_the_caller_gets_its_id() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(10, 10);
    Router router = routerWithQueue(queue);
    // when
    AllModelsFailedException e = RetryRoundsTest.allFailed(router.route(hello, deferrable));
    // then
    assertThat(e.deferredId()).isPresent();
    assertThat(e.deferralRefusal()).isEmpty();
    assertThat(e.getMessage()).contains("deferred as " + e.deferredId().orElseThrow());
    assertThat(e.attempts()).hasSize(3);
    assertThat(queue.queued()).isEqualTo(1);
    DeferredEntry entry = queue.find(e.deferredId().orElseThrow()).orElseThrow();
    assertThat(entry.request().idempotencyKey()).isEqualTo("r-1");
    assertThat(entry.request().request()).isEqualTo(hello);
    assertThat(world.events(RouterEvent.RequestDeferred.class)).singleElement()
        .satisfies(d -> assertThat(d.deferredId()).isEqualTo(e.deferredId().orElseThrow()));
  }

  @Test
  void a_full_queue_refuses_and_the_caller_is_told_why() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(1, 10);
    Router router = routerWithQueue(queue);
    RetryRoundsTest.allFailed(router.route(hello, deferrable));
    world.ticker.advance(Duration.ofMinutes(5));
    // when
    AllModelsFailedException e = RetryRoundsTest.allFailed(router.route(hello,
        RouteHints.builder().allowDeferral(true).build()));
    // then
    assertThat(e.deferredId()).isEmpty();
    assertThat(e.deferralRefusal()).hasValueSatisfying(r -> assertThat(r).contains("full"));
    assertThat(queue.queued()).isEqualTo(1);
  }

  @Test
  void a_client_at_its_quota_is_told_so_and_gets_no_id_while_another_client_is_parked() {
    // given: each client may keep one request deferred
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(10, 10);
    DeferredQuota quota = DeferredQuota.builder(queue).owner(DeferredQuota.ownerByTag("client:"))
        .maxQueuedPerOwner(1).build();
    Router router = routerWithQueue(quota);
    RouteHints clientA = RouteHints.builder().allowDeferral(true).tag("client:a").build();
    RouteHints clientB = RouteHints.builder().allowDeferral(true).tag("client:b").build();
    RetryRoundsTest.allFailed(router.route(hello, clientA));
    world.ticker.advance(Duration.ofMinutes(5));
    // when
    AllModelsFailedException again = RetryRoundsTest.allFailed(router.route(hello, clientA));
    AllModelsFailedException other = RetryRoundsTest.allFailed(router.route(hello, clientB));
    // then
    assertThat(again.deferredId()).isEmpty();
    assertThat(again.deferralRefusal()).hasValueSatisfying(r -> assertThat(r).contains("client's quota"));
    assertThat(again.getMessage()).contains("not deferred").contains("quota");
    assertThat(other.deferredId()).isPresent();
    assertThat(queue.queued()).isEqualTo(2);
    assertThat(world.events(RouterEvent.RequestDeferred.class)).hasSize(2);
  }

  @Test
  void without_the_callers_permission_nothing_is_queued() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(10, 10);
    Router router = routerWithQueue(queue);
    // when
    AllModelsFailedException e = RetryRoundsTest.allFailed(router.route(hello, RouteHints.DEFAULT));
    // then
    assertThat(e.deferredId()).isEmpty();
    assertThat(e.deferralRefusal()).isEmpty();
    assertThat(queue.queued()).isZero();
    assertThat(world.events(RouterEvent.RequestDeferred.class)).isEmpty();
  }

  @Test
  void without_a_queue_the_caller_is_told_that_nothing_could_be_parked() {
    // given
    Router router = world.router();
    world.p1.model("a").thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.p1.model("b").thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.p1.model("c").thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    // when
    AllModelsFailedException e = RetryRoundsTest.allFailed(router.route(hello,
        RouteHints.builder().allowDeferral(true).deadline(Duration.ofSeconds(1)).build()));
    // then
    assertThat(e.deferralRefusal()).hasValueSatisfying(r -> assertThat(r).contains("no deferred queue"));
  }

  /** A queue that runs {@code beforeOffer} while a request is being offered, as a slow store would let happen. */
  private static final class HookedQueue extends ForwardingDeferredQueue {
    private final Runnable beforeOffer;

    HookedQueue(Runnable beforeOffer) {
      super(new InMemoryDeferredQueue(10, 10));
      this.beforeOffer = beforeOffer;
    }

    @Override
    public boolean offer(DeferredRequest request) {
      beforeOffer.run();
      return super.offer(request);
    }
  }

  private static Throwable failureOf(CompletableFuture<?> future) {
    return future.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join();
  }

  /** Routes to a alone, which fails after 1 s; no retries, a 10 s deadline. */
  private CompletableFuture<RoutedResponse> failingAfterOneSecond(Router router) {
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAVAILABLE, 503).after(Duration.ofSeconds(1)));
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.builder().allowDeferral(true)
        .requestId("r-1").pin(ModelId.of("a")).deadline(Duration.ofSeconds(10)).build());
    return answer;
  }

  private Router noRetries(DeferredQueue queue) {
    return world.builder().deferredQueue(queue)
        .settings(RouterSettings.defaults().withRetry(RetryConfig.noRetries())).build();
  }

  @Test
  void a_deadline_passing_while_the_request_is_offered_leaves_no_copy_the_caller_has_no_id_for() {
    // given: the deadline passes while the queue stores the request
    HookedQueue queue = new HookedQueue(() -> world.ticker.advance(Duration.ofSeconds(10)));
    CompletableFuture<RoutedResponse> answer = failingAfterOneSecond(noRetries(queue));
    // when
    world.ticker.advance(Duration.ofSeconds(1));
    // then: whatever is parked, the caller holds its id
    Throwable failure = failureOf(answer);
    List<String> parked = queue.entries().stream().map(DeferredEntry::id).toList();
    assertThat(failure).as("parked: " + parked).isInstanceOf(AllModelsFailedException.class);
    assertThat(parked).containsExactlyElementsOf(((AllModelsFailedException) failure).deferredId().stream().toList());
  }

  @Test
  void a_cancel_while_the_request_is_offered_leaves_no_copy_the_caller_has_no_id_for() {
    // given: the caller cancels while the queue stores the request
    AtomicReference<CompletableFuture<RoutedResponse>> caller = new AtomicReference<>();
    HookedQueue queue = new HookedQueue(() -> caller.get().cancel(true));
    caller.set(failingAfterOneSecond(noRetries(queue)));
    // when
    world.ticker.advance(Duration.ofSeconds(1));
    // then
    Throwable failure = failureOf(caller.get());
    List<String> parked = queue.entries().stream().map(DeferredEntry::id).toList();
    assertThat(failure).as("parked: " + parked).isInstanceOf(AllModelsFailedException.class);
    assertThat(parked).containsExactlyElementsOf(((AllModelsFailedException) failure).deferredId().stream().toList());
  }

  @Test
  void a_stream_cancelled_while_it_is_offered_still_tells_its_listener_the_id() {
    // given: the caller cancels its stream while the queue stores it
    AtomicReference<RoutedStream> caller = new AtomicReference<>();
    HookedQueue queue = new HookedQueue(() -> caller.get().cancel());
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAVAILABLE, 503).after(Duration.ofSeconds(1)));
    StreamRoutingTest.RecordingListener listener = new StreamRoutingTest.RecordingListener();
    caller.set(noRetries(queue).stream(hello, RouteHints.builder().allowDeferral(true).requestId("r-1")
        .pin(ModelId.of("a")).build(), listener));
    // when
    world.ticker.advance(Duration.ofSeconds(1));
    // then
    List<String> parked = queue.entries().stream().map(DeferredEntry::id).toList();
    assertThat(parked).hasSize(1);
    assertThat(listener.errors).singleElement().isInstanceOfSatisfying(AllModelsFailedException.class,
        e -> assertThat(e.deferredId()).contains(parked.get(0)));
  }

  @Test
  void a_replay_the_model_rejects_as_a_bad_request_is_dead_lettered_at_once() {
    // given: a request parked while every model was down
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(10, 10);
    Router router = routerWithQueue(queue);
    String id = RetryRoundsTest.allFailed(router.route(hello, deferrable)).deferredId().orElseThrow();
    world.p1.model("a").thenAlways(Outcome.fail(FailureKind.BAD_REQUEST, 400));
    DeferredReplayer<RoutedResponse> replayer = router.replayer(new DeferredReplayListener<>() {
      @Override
      public void onDelivered(DeferredEntry entry, RoutedResponse result) {}

      @Override
      public void onDeadLettered(DeferredEntry entry, String reason) {}
    }, ReplayPolicy.DEFAULT);
    // when
    replayer.replayDue().join();
    // then: replaying a request the model refuses cannot help
    assertThat(queue.find(id).orElseThrow().state()).isEqualTo(DeferredState.DEAD_LETTERED);
    assertThat(world.p1.callCount("a")).isEqualTo(2);
  }
}
