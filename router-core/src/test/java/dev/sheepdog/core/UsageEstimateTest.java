package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.TokenEstimator;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.Outcome;
import org.junit.jupiter.api.Test;

/** A provider that reports no usage is priced from the estimate and said to be, never $0. */
class UsageEstimateTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello there");
  private final long promptEstimate = TokenEstimator.CHARS_PER_TOKEN.estimatePromptTokens(hello);

  @Test
  void anAnswerWithoutUsageIsPricedFromTheEstimateAndSaidToBe() {
    // given model a ($1 in, $2 out per 1M tokens) answers 40 characters and no usage, twice
    String forty = "x".repeat(40);
    world.p1.model("a").then(Outcome.ok(forty).withoutUsage()).then(Outcome.ok(forty).withoutUsage());
    Router router = world.router();

    // when
    RoutedResponse first = router.route(hello, RouteHints.DEFAULT).join();
    RoutedResponse second = router.route(hello, RouteHints.DEFAULT).join();

    // then the cost is the estimate's: the prompt's estimate, and 40 characters ÷ 4 = 10 tokens
    Usage estimate = new Usage(promptEstimate, 10);
    Money cost = RouterFixture.CATALOG.find(dev.sheepdog.spi.ModelId.of("a")).orElseThrow().price().cost(estimate);
    assertThat(cost.isGreaterThan(Money.ZERO)).isTrue();
    assertThat(first.cost()).isEqualTo(cost);
    assertThat(first.usage()).as("what the provider reported").isEqualTo(Usage.NONE);
    assertThat(router.ledger().total()).isEqualTo(Money.ofNanos(2 * cost.nanos()));
    // and the ledger marks it as estimated, model by model, in its store too
    assertThat(router.ledger().estimated(first.model())).isEqualTo(Money.ofNanos(2 * cost.nanos()));
    assertThat(router.ledger().estimated()).isEqualTo(Money.ofNanos(2 * cost.nanos()));
    // and each such answer says so, with the estimate; the attempt itself reports no usage
    assertThat(world.events(RouterEvent.UsageEstimated.class))
        .containsExactly(new RouterEvent.UsageEstimated(first.requestId(), first.model(), estimate, cost),
            new RouterEvent.UsageEstimated(second.requestId(), second.model(), estimate, cost));
    assertThat(world.events(RouterEvent.AttemptSucceeded.class)).extracting(RouterEvent.AttemptSucceeded::usage)
        .containsOnly(Usage.NONE);
  }

  @Test
  void anAnswerWithUsageIsNotEstimated() {
    // given
    world.p1.model("a").then(Outcome.ok("fine").withUsage(7, 3));
    // when
    RoutedResponse answer = world.router().route(hello, RouteHints.DEFAULT).join();
    // then
    assertThat(answer.usage()).isEqualTo(new Usage(7, 3));
    assertThat(world.events(RouterEvent.UsageEstimated.class)).isEmpty();
    assertThat(world.router().ledger().estimated()).isEqualTo(Money.ZERO);
  }

  @Test
  void aStreamWithoutUsageIsPricedFromTheCharactersItDelivered() {
    // given 24 characters in three chunks (and a closing one), and no usage chunk
    world.p1.model("a").then(Outcome.stream("abcdefgh", "ijklmnop", "qrstuvwx").withoutUsage());
    StreamRoutingTest.RecordingListener listener = new StreamRoutingTest.RecordingListener();
    // when
    world.router().stream(hello, RouteHints.DEFAULT, listener);
    // then
    Usage estimate = new Usage(promptEstimate, 6); // 24 ÷ 4, more than a token a chunk
    assertThat(listener.completions).singleElement().satisfies(done -> {
      assertThat(done.usage()).isEqualTo(Usage.NONE);
      assertThat(done.cost()).isEqualTo(
          RouterFixture.CATALOG.find(dev.sheepdog.spi.ModelId.of("a")).orElseThrow().price().cost(estimate));
    });
    assertThat(world.events(RouterEvent.UsageEstimated.class)).extracting(RouterEvent.UsageEstimated::estimated)
        .containsExactly(estimate);
  }
}
