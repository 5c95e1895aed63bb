package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.state.InMemorySpendStore;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Two routers on one shared state behave as one: limits, budgets and circuits hold across both,
 * and each falls back to its local view when the shared state cannot be reached.
 */
class FleetSharingTest {
  private final ManualTicker ticker = new ManualTicker();
  private final ScriptedProvider upstream = ScriptedProvider.create("p1", ticker);
  private final InMemorySpendStore spend = new InMemorySpendStore();
  private final InMemorySharedState shared = new InMemorySharedState(ticker, spend);
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  /** a: 10 requests a minute (a burst of 1, then one every 6 s); the fast route: c, then b. */
  private static final ModelCatalog CATALOG = ModelCatalog.of(
      ModelSpec.builder("a", "p1").price("1.00", "2.00").contextWindow(8_000).limits(10, 0).build(),
      ModelSpec.builder("b", "p1").price("1.00", "2.00").contextWindow(8_000).build(),
      ModelSpec.builder("c", "p1").price("1.00", "2.00").contextWindow(8_000).build());
  private static final RouteTableStrategy TABLE = RouteTableStrategy.builder()
      .route(TaskType.GENERAL, Priority.NORMAL, "a")
      .route(TaskType.GENERAL, Priority.FAST, "c", "b")
      .build();
  private static final RouterSettings NO_RETRIES = RouterSettings.defaults().withRetry(RetryConfig.noRetries())
      .withCircuit(CircuitBreakerConfig.defaults().withConsecutiveFailures(3).withHalfOpenProbes(2)
          .withRecovery(Duration.ofSeconds(30), 2.0, Duration.ofMinutes(5)));

  private RouterBuilder instance(FleetSettings fleet) {
    return Router.builder().catalog(CATALOG).provider(upstream).strategy(TABLE).clock(ticker)
        .settings(NO_RETRIES).ledger(new SpendLedger(spend)).shared(shared).fleet(fleet);
  }

  private Router instance() {
    return instance(FleetSettings.DEFAULTS.withInstances(2)).build();
  }

  private boolean answered(Router router, RouteHints hints) {
    try {
      router.route(hello, hints).join();
      return true;
    } catch (CompletionException e) {
      return false;
    }
  }

  @Test
  void a_rate_limit_holds_across_the_fleet_not_per_instance() {
    // given
    upstream.model("a").thenAlways(Outcome.ok());
    Router one = instance();
    Router two = instance();

    // when: a request a second for a minute, alternating between the instances
    int answered = 0;
    for (int i = 0; i < 60; i++) {
      answered += answered(i % 2 == 0 ? one : two, RouteHints.DEFAULT) ? 1 : 0;
      ticker.advance(Duration.ofSeconds(1));
    }

    // then: the model's 10 a minute, not 10 each
    assertThat(answered).isEqualTo(10);
    assertThat(upstream.callCount("a")).isEqualTo(10);
    assertThat(shared.reserves.get()).isEqualTo(60);
  }

  @Test
  void an_unreachable_shared_state_falls_back_to_this_instances_share_of_the_limit() {
    // given
    upstream.model("a").thenAlways(Outcome.ok());
    Router one = instance();
    shared.down = true;

    // when: a request a second for a minute
    int answered = 0;
    for (int i = 0; i < 60; i++) {
      answered += answered(one, RouteHints.DEFAULT) ? 1 : 0;
      ticker.advance(Duration.ofSeconds(1));
    }

    // then: 10 a minute over 2 instances is 5 here, and no request failed because the store did
    assertThat(answered).isEqualTo(5);
    assertThat(shared.reserves.get()).isZero();
    // and when the state answers again, the fleet's limit decides again
    shared.down = false;
    int after = 0;
    for (int i = 0; i < 60; i++) {
      after += answered(one, RouteHints.DEFAULT) ? 1 : 0;
      ticker.advance(Duration.ofSeconds(1));
    }
    assertThat(after).isEqualTo(10);
  }

  @Test
  void a_daily_cap_counts_what_every_instance_spent() {
    // given: $0.50 an answer, a $1 cap on the fleet
    upstream.model("a").thenAlways(Outcome.ok().withUsage(250_000, 125_000));
    BudgetCap cap = BudgetCap.global("fleet daily", Money.ofUsd("1"));
    Router one = instance(FleetSettings.DEFAULTS).budget(cap).build();
    Router two = instance(FleetSettings.DEFAULTS).budget(cap).build();

    // when: one answer on each instance (a's rate limit lets one through every 6 s)
    one.route(hello, RouteHints.DEFAULT).join();
    ticker.advance(Duration.ofSeconds(6));
    two.route(hello, RouteHints.DEFAULT).join();
    ticker.advance(Duration.ofSeconds(6));

    // then: the cap is reached for both, though each spent only $0.50 itself
    assertThatThrownBy(() -> one.route(hello, RouteHints.DEFAULT).join()).cause()
        .isInstanceOf(BudgetExceededException.class);
    ticker.advance(Duration.ofSeconds(6));
    assertThatThrownBy(() -> two.route(hello, RouteHints.DEFAULT).join()).cause()
        .isInstanceOf(BudgetExceededException.class);
    assertThat(upstream.callCount("a")).isEqualTo(2);
  }

  @Test
  void while_the_spend_cannot_be_read_a_cap_counts_locally_or_fails_closed_as_configured() {
    // given
    upstream.model("a").thenAlways(Outcome.ok().withUsage(1_000, 1_000));
    BudgetCap cap = BudgetCap.global("fleet daily", Money.ofUsd("1"));
    Router local = instance(FleetSettings.DEFAULTS).budget(cap).build();
    Router closed = instance(FleetSettings.DEFAULTS.withOnStoreFailure(FleetSettings.OnStoreFailure.REJECT))
        .budget(cap).build();
    shared.down = true;

    // then
    assertThat(answered(local, RouteHints.DEFAULT)).isTrue();
    assertThatThrownBy(() -> closed.route(hello, RouteHints.DEFAULT).join()).cause()
        .isInstanceOf(BudgetExceededException.class);
  }

  @Test
  void a_circuit_one_instance_opened_is_skipped_by_the_other_and_probed_k_times_by_the_fleet() {
    // given: a fails; instance one opens its circuit after 3 failures
    upstream.model("c").thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    upstream.model("b").thenAlways(Outcome.ok());
    RouteHints fast = RouteHints.builder().priority(Priority.FAST).build();
    Router one = instance();
    Router two = instance();
    for (int i = 0; i < 3; i++) {
      one.route(hello, fast).join();
    }
    assertThat(shared.circuits).containsKey(ModelId.of("c"));
    long callsAfterOpening = upstream.callCount("c");

    // when instance two reads the fleet's circuits and routes during the recovery window
    two.fleetSync().syncNow();
    for (int i = 0; i < 20; i++) {
      assertThat(two.route(hello, fast).join().model().value()).isEqualTo("b");
    }

    // then it never called a
    assertThat(upstream.callCount("c")).isEqualTo(callsAfterOpening);
    assertThat(two.healthReport().model("c").orElseThrow().state()).isEqualTo(CircuitState.OPEN);

    // and when the window ends, the two instances together send 2 probes (K = 2), not 2 each
    ticker.advance(Duration.ofSeconds(31));
    upstream.model("c").thenAlways(Outcome.ok(Duration.ofSeconds(5)));
    var p1 = one.route(hello, fast);
    var p2 = one.route(hello, fast);
    var p3 = two.route(hello, fast);
    var p4 = two.route(hello, fast);
    assertThat(upstream.callCount("c") - callsAfterOpening).isEqualTo(2);
    ticker.advance(Duration.ofSeconds(5));
    p1.join();
    p2.join();
    p3.join();
    p4.join();

    // and the fleet's circuit closes on instance one's probes, then on instance two with the next read
    assertThat(one.healthReport().model("c").orElseThrow().state()).isEqualTo(CircuitState.CLOSED);
    assertThat(shared.circuits).doesNotContainKey(ModelId.of("c"));
    two.fleetSync().syncNow();
    assertThat(two.healthReport().model("c").orElseThrow().state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void a_read_of_the_fleets_circuits_that_predates_this_instances_opening_does_not_close_it() {
    // given: c fails; instance one has two failures on it, the third comes while a read is on its way
    upstream.model("c").thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    upstream.model("b").thenAlways(Outcome.ok());
    RouteHints fast = RouteHints.builder().priority(Priority.FAST).build();
    Router one = instance();
    one.route(hello, fast).join();
    one.route(hello, fast).join();
    shared.duringRead = () -> one.route(hello, fast).join();

    // when the read, taken before the opening was published, arrives after it
    one.fleetSync().syncNow();

    // then the circuit this instance just opened stays open (the stale read used to close it)
    assertThat(shared.circuits).containsKey(ModelId.of("c"));
    assertThat(one.healthReport().model("c").orElseThrow().state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void fleet_sync_reads_on_the_scheduler_until_stopped() {
    // given
    upstream.model("c").thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    upstream.model("b").thenAlways(Outcome.ok());
    Router one = instance();
    Router two = instance();
    two.fleetSync().start();
    for (int i = 0; i < 3; i++) {
      one.route(hello, RouteHints.builder().priority(Priority.FAST).build()).join();
    }

    // when half a second passes
    ticker.advance(Duration.ofMillis(500));

    // then
    assertThat(two.healthReport().model("c").orElseThrow().state()).isEqualTo(CircuitState.OPEN);
    two.fleetSync().stop();
  }
}
