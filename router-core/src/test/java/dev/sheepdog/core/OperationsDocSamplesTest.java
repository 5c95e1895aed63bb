package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.core.alert.LoggingAlertListener;
import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.deferred.DeferredReplayListener;
import dev.sheepdog.core.deferred.DeferredReplayer;
import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.core.deferred.ReplayPolicy;
import dev.sheepdog.core.stats.StatsConfig;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouteHints;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The samples of docs/operations.md; they compile and run here. */
class OperationsDocSamplesTest {
  private final RouterFixture world = new RouterFixture();

  @Test
  void configuring_governance() {
    // --- sample: operations-builder ---
    Router router = Router.builder()
        .catalog(RouterFixture.CATALOG)
        .provider(world.p1).provider(world.p2)
        .strategy(RouterFixture.TABLE)
        .clock(world.ticker)
        // statistics: a 60 s window in six buckets, EWMA decay 10 s, 5 s penalty for fast failures
        .stats(StatsConfig.defaults().withWindow(Duration.ofSeconds(60), 6))
        // alerts: p95 above 5 s, error rate above 5 % over at least 20 calls, 3 failures in a row
        .alerts(AlertRules.defaults().withErrorRate(0.05, 20))
        .listener(new LoggingAlertListener())
        // budgets: $50 a day in all, and $5 a day for one client, after which only cheap models
        .budget(BudgetCap.global("daily", Money.ofUsd("50")))
        .budget(BudgetCap.forTag("team-a", "client:team-a", Money.ofUsd("5"))
            .restrictingToOutputPriceAtMost("2.00"))
        // deferred requests: at most 1,000 waiting
        .deferredQueue(new InMemoryDeferredQueue(1_000, 1_000))
        .build();
    // --- end sample ---

    // --- sample: operations-replay ---
    DeferredReplayer<RoutedResponse> replayer = router.replayer(new DeferredReplayListener<>() {
      @Override
      public void onDelivered(DeferredEntry entry, RoutedResponse answer) {
        System.out.println(entry.id() + " answered by " + answer.model());
      }

      @Override
      public void onDeadLettered(DeferredEntry entry, String reason) {
        System.out.println(entry.id() + " given up: " + reason);
      }
    }, ReplayPolicy.DEFAULT);
    replayer.start();
    // --- end sample ---
    replayer.stop();

    // --- sample: operations-report ---
    router.route(ChatRequest.ofUser("Hi"), RouteHints.builder().tag("client:team-a").build()).join();
    System.out.print(router.healthReport().render());
    // --- end sample ---
    assertThat(router.healthReport().render()).contains("CLOSED");
    assertThat(router.ledger().totalForTag("client:team-a").nanos()).isPositive();
  }
}
