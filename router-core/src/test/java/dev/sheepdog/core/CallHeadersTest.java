package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CallHeaders;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.testkit.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Listeners that are also {@link CallHeaders} give each call its extra headers, after hearing it start. */
class CallHeadersTest {
  private final RouterFixture world = new RouterFixture();

  /** Remembers the attempts it heard start, and answers each call with a header naming it. */
  private static final class Tagging implements RouterListener, CallHeaders {
    final List<Integer> started = new ArrayList<>();

    @Override
    public void onEvent(RouterEvent event) {
      if (event instanceof RouterEvent.AttemptStarted attempt) {
        started.add(attempt.attempt());
      }
    }

    @Override
    public Map<String, String> headersFor(String requestId, ModelId model, int attempt) {
      // asked after the attempt's event: the listener knows the attempt already
      return started.contains(attempt) ? Map.of("X-Attempt", requestId + "/" + model + "/" + attempt) : Map.of();
    }
  }

  @Test
  void each_attempt_carries_the_headers_its_listener_gives() {
    // given
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.p1.model("b").then(Outcome.ok("from b"));
    Router router = world.builder().listener(new Tagging()).build();
    // when
    router.route(ChatRequest.ofUser("Hello"), RouteHints.builder().requestId("req-1").build()).join();
    // then
    assertThat(world.p1.calls()).extracting(call -> call.options().headers())
        .containsExactly(Map.of("X-Attempt", "req-1/a/1"), Map.of("X-Attempt", "req-1/b/2"));
  }

  @Test
  void without_such_listeners_or_when_one_throws_calls_go_without_extra_headers() {
    // given
    world.p1.model("a").then(Outcome.ok("from a"));
    CallHeaders throwing = (requestId, model, attempt) -> {
      throw new IllegalStateException("broken");
    };
    RouterListener listener = new ThrowingHeaders(throwing);
    Router router = world.builder().listener(listener).build();
    // when
    router.route(ChatRequest.ofUser("Hello"), RouteHints.DEFAULT).join();
    // then
    assertThat(world.p1.calls()).singleElement().satisfies(call -> assertThat(call.options().headers()).isEmpty());
  }

  private record ThrowingHeaders(CallHeaders delegate) implements RouterListener, CallHeaders {
    @Override
    public void onEvent(RouterEvent event) {}

    @Override
    public Map<String, String> headersFor(String requestId, ModelId model, int attempt) {
      return delegate.headersFor(requestId, model, attempt);
    }
  }

}
