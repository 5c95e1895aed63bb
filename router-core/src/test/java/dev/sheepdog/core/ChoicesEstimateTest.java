package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.limit.BurstPolicy;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.SkipReason;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.TokenEstimator;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A request asking for {@code n} choices may produce n times its output cap: estimates count them. */
class ChoicesEstimateTest {
  private final RouterFixture world = new RouterFixture();

  private static ChatRequest asking(int n) {
    return ChatRequest.builder().user("Hello").maxTokens(1_000).extension("n", n).build();
  }

  @Test
  void the_max_cost_check_counts_every_choice() {
    // given: c costs $6/M of output, a $2/M; 1,000 tokens are $0.006 on c and $0.002 on a per choice
    Router router = world.router();
    RouteHints hints = RouteHints.builder().pin(ModelId.of("c"), ModelId.of("a")).maxCost(Money.ofUsd("0.02")).build();
    // when
    RoutedResponse one = router.route(asking(1), hints).join();
    RoutedResponse five = router.route(asking(5), hints).join();
    // then: one choice fits c; five are $0.030 on c, above the cap, and $0.010 on a
    assertThat(one.model().value()).isEqualTo("c");
    assertThat(five.model().value()).isEqualTo("a");
    assertThat(world.events(RouterEvent.ModelSkipped.class)).singleElement()
        .satisfies(s -> {
          assertThat(s.model().value()).isEqualTo("c");
          assertThat(s.reason()).isEqualTo(SkipReason.OVER_BUDGET);
        });
  }

  @Test
  void the_token_reservation_counts_every_choice() {
    // given: one model limited to 100,000 tokens a minute whose calls hang, so reservations stay
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider p1 = ScriptedProvider.create("p1", ticker);
    p1.model("a").thenAlways(Outcome.hang());
    Router router = Router.builder()
        .catalog(ModelCatalog.of(ModelSpec.builder("a", "p1").limits(0, 100_000).build()))
        .provider(p1).clock(ticker)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a").build())
        .build();
    long prompt = TokenEstimator.CHARS_PER_TOKEN.estimatePromptTokens(asking(5));
    // when
    CompletableFuture<RoutedResponse> pending = router.route(asking(5), RouteHints.DEFAULT);
    // then: the prompt and five outputs of 1,000 are reserved out of the burst a fresh limiter has now
    long burst = BurstPolicy.DEFAULT.burstFor(100_000);
    assertThat(pending).isNotDone();
    assertThat(router.healthReport().model("a").orElseThrow().headroom().tokensAvailable())
        .isEqualTo(burst - (prompt + 5_000));
  }
}
