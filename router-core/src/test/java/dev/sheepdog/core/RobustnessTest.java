package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.google.inject.Guice;
import dev.sheepdog.core.inject.RouterModule;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.catalog.TutorialModels;
import dev.sheepdog.testkit.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What the router does when callers, strategies and providers misbehave. */
class RobustnessTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  @Test
  void a_callers_short_deadline_does_not_count_against_a_healthy_model() {
    // given: a takes 1 s; three callers each give up after 300 ms
    world.p1.model("a").thenAlways(Outcome.ok(Duration.ofSeconds(1)));
    Router router = world.router();
    RouteHints hasty = RouteHints.builder().deadline(Duration.ofMillis(300)).build();
    // when
    for (int i = 0; i < 3; i++) {
      CompletableFuture<RoutedResponse> call = router.route(hello, hasty);
      world.ticker.advance(Duration.ofMillis(300));
      assertThat(call).isCompletedExceptionally();
    }
    // then
    assertThat(router.healthReport().model("a").orElseThrow().state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void a_strategy_that_throws_fails_the_future_instead_of_the_caller() {
    // given
    Router router = Router.builder().catalog(RouterFixture.CATALOG).provider(world.p1).provider(world.p2)
        .clock(world.ticker)
        .strategy((request, candidates) -> { throw new IllegalStateException("broken table"); }).build();
    // when
    CompletableFuture<RoutedResponse> call = router.route(hello, RouteHints.DEFAULT);
    // then
    assertThat(call).isCompletedExceptionally();
    assertThat(call.handle((r, e) -> e).join()).isInstanceOf(AllModelsFailedException.class)
        .hasMessageContaining("broken table");
    assertThat(world.ticker.pendingTasks()).as("no deadline timer left behind").isZero();
  }

  @Test
  void a_provider_answering_null_is_a_malformed_response_and_the_next_model_answers() {
    // given
    ChatProvider nothing = new ChatProvider() {
      @Override public ProviderId id() { return ProviderId.of("p2"); }
      @Override public CompletableFuture<ChatResponse> complete(ModelSpec m, ChatRequest r, CallOptions o) {
        return CompletableFuture.completedFuture(null);
      }
      @Override public StreamHandle stream(ModelSpec m, ChatRequest r, CallOptions o, StreamListener l) {
        return StreamHandle.NOOP;
      }
    };
    Router router = Router.builder().catalog(RouterFixture.CATALOG).provider(world.p1).provider(nothing)
        .clock(world.ticker).strategy(RouterFixture.TABLE).build();
    // when
    RoutedResponse answer = router.route(hello,
        RouteHints.builder().priority(dev.sheepdog.spi.Priority.FAST).build()).join();
    // then: the fast route is x (p2), then a
    assertThat(answer.attempts().get(0).failure()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(answer.model().value()).isEqualTo("a");
  }

  @Test
  void an_enormous_retry_after_is_capped_without_overflow() {
    // given
    world.p1.model("a").then(Outcome.rateLimited(Duration.ofSeconds(Long.MAX_VALUE / 2)));
    Router router = world.router();
    // when
    RoutedResponse answer = router.route(hello, RouteHints.DEFAULT).join();
    world.ticker.advance(Duration.ofSeconds(60));
    // then: the 60 s cap applies, and a is back
    assertThat(answer.model().value()).isEqualTo("b");
    assertThat(router.route(hello, RouteHints.DEFAULT).join().model().value()).isEqualTo("a");
  }

  @Test
  void a_stream_listener_that_throws_cancels_the_stream_without_disturbing_the_provider() {
    // given
    world.p1.model("a").then(Outcome.stream("one ", "two ", "three").every(Duration.ofMillis(10)));
    Router router = world.router();
    AtomicInteger chunks = new AtomicInteger();
    List<RouterException> errors = new ArrayList<>();
    AtomicBoolean completed = new AtomicBoolean();
    // when
    router.stream(hello, RouteHints.DEFAULT, new RoutedStreamListener() {
      @Override public void onChunk(dev.sheepdog.spi.ModelId model, ChatChunk chunk) {
        chunks.incrementAndGet();
        throw new IllegalStateException("the caller's bug");
      }
      @Override public void onComplete(RoutedStreamResult result) { completed.set(true); }
      @Override public void onError(RouterException error) { errors.add(error); }
    });
    assertThatCode(() -> world.ticker.advance(Duration.ofSeconds(1))).doesNotThrowAnyException();
    // then: one chunk reached the listener, then the stream was cancelled upstream; no end is delivered
    assertThat(chunks).hasValue(1);
    assertThat(completed).isFalse();
    assertThat(errors).isEmpty();
    assertThat(world.p1.calls().get(0).wasCancelled()).isTrue();
  }

  @Test
  void the_router_module_may_be_installed_twice() {
    assertThat(new RouterModule()).isEqualTo(new RouterModule());
    assertThatCode(() -> Guice.createInjector(new RouterModule(), new RouterModule(),
        binder -> com.google.inject.multibindings.MapBinder.newMapBinder(binder, dev.sheepdog.spi.ProviderId.class,
            dev.sheepdog.spi.ChatProvider.class).addBinding(dev.sheepdog.spi.ProviderId.of("p"))
            .toInstance(dev.sheepdog.testkit.ScriptedProvider.create("p", world.ticker)),
        binder -> binder.bind(ModelCatalog.class).toInstance(TutorialModels.catalog(ProviderId.of("p")))).getInstance(Router.class))
        .doesNotThrowAnyException();
  }

}
