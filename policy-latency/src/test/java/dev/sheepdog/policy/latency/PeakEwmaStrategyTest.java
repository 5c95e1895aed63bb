package dev.sheepdog.policy.latency;

import dev.sheepdog.testkit.FixedHealth;
import static dev.sheepdog.policy.latency.TutorialCatalog.CLAUDE_3_5_SONNET;
import static dev.sheepdog.policy.latency.TutorialCatalog.DEEPSEEK_CHAT;
import static dev.sheepdog.policy.latency.TutorialCatalog.GEMINI_2_5_FLASH;
import static dev.sheepdog.policy.latency.TutorialCatalog.GPT_4_1;
import static dev.sheepdog.policy.latency.TutorialCatalog.GPT_4_1_MINI;
import static dev.sheepdog.policy.latency.TutorialCatalog.asMeasured;
import static dev.sheepdog.policy.latency.TutorialCatalog.candidate;
import static dev.sheepdog.policy.latency.TutorialCatalog.ids;
import static dev.sheepdog.policy.latency.TutorialCatalog.measured;
import static dev.sheepdog.policy.latency.TutorialCatalog.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PeakEwmaStrategyTest {
  private static final int PLANS = 1_000;

  private final PlanRequest request = request(Priority.NORMAL);

  private static PeakEwmaStrategy seeded(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    return PeakEwmaStrategy.builder().random(() -> random).build();
  }

  @Test
  void putsTheCheaperOfTheTwoChoicesFirst() {
    // given: with two healthy models both are always chosen
    Candidate fast = candidate(DEEPSEEK_CHAT, FixedHealth.measured(100, 200));
    Candidate slow = candidate(GPT_4_1, FixedHealth.measured(300, 600));
    PeakEwmaStrategy strategy = seeded(1);

    for (int i = 0; i < PLANS; i++) {
      // when
      List<Candidate> plan = strategy.plan(request, List.of(slow, fast));

      // then
      assertThat(plan).containsExactly(fast, slow);
    }
  }

  @Test
  void neverPlansTheSameModelTwiceAndKeepsEveryModelAsAFallback() {
    // given
    PeakEwmaStrategy strategy = seeded(7);
    List<Candidate> candidates = asMeasured();

    for (int i = 0; i < PLANS; i++) {
      // when
      List<Candidate> plan = strategy.plan(request, candidates);

      // then
      assertThat(plan).hasSize(candidates.size()).doesNotHaveDuplicates();
      assertThat(strategy.costNanos(plan.get(0).health()))
          .isLessThanOrEqualTo(strategy.costNanos(plan.get(1).health()));
      List<Long> restCosts = new ArrayList<>();
      for (Candidate c : plan.subList(2, plan.size())) {
        restCosts.add(strategy.costNanos(c.health()));
      }
      assertThat(restCosts).isSorted();
    }
  }

  @Test
  void neverChoosesAnOpenOrUnavailableModel() {
    // given: the two fastest models are isolated
    List<Candidate> candidates = List.of(
        candidate(DEEPSEEK_CHAT, measured(DEEPSEEK_CHAT).withCircuit(CircuitState.OPEN)),
        candidate(GEMINI_2_5_FLASH, measured(GEMINI_2_5_FLASH).unavailable()),
        candidate(GPT_4_1_MINI, measured(GPT_4_1_MINI)),
        candidate(CLAUDE_3_5_SONNET, measured(CLAUDE_3_5_SONNET)),
        candidate(GPT_4_1, measured(GPT_4_1)));
    PeakEwmaStrategy strategy = seeded(3);

    for (int i = 0; i < PLANS; i++) {
      // when
      List<ModelId> plan = ids(strategy.plan(request, candidates));

      // then
      assertThat(plan.subList(0, 3)).doesNotContain(DEEPSEEK_CHAT.id(), GEMINI_2_5_FLASH.id());
      assertThat(plan.subList(3, 5)).containsExactly(DEEPSEEK_CHAT.id(), GEMINI_2_5_FLASH.id());
    }
  }

  @Test
  void aModelFiveTimesSlowerIsRarelyChosen() {
    // given
    Candidate a = candidate(DEEPSEEK_CHAT, FixedHealth.measured(200, 400));
    Candidate b = candidate(GPT_4_1_MINI, FixedHealth.measured(200, 400));
    Candidate c = candidate(GEMINI_2_5_FLASH, FixedHealth.measured(210, 400));
    Candidate slow = candidate(GPT_4_1, FixedHealth.measured(1_000, 2_000));
    List<Candidate> candidates = List.of(slow, a, b, c);
    PeakEwmaStrategy strategy = seeded(42);
    Map<ModelId, Integer> firsts = new HashMap<>();

    // when
    for (int i = 0; i < PLANS; i++) {
      firsts.merge(strategy.plan(request, candidates).get(0).id(), 1, Integer::sum);
    }

    // then: the slow model loses every comparison, and the fast ones share the traffic
    assertThat(firsts.getOrDefault(GPT_4_1.id(), 0)).isLessThan(PLANS / 10);
    assertThat(firsts.get(DEEPSEEK_CHAT.id())).isGreaterThan(PLANS / 5);
    assertThat(firsts.get(GPT_4_1_MINI.id())).isGreaterThan(PLANS / 5);
  }

  @Test
  void callsInFlightRaiseAModelsCost() {
    // given: 100 ms with four calls queued is worse than 300 ms idle
    Candidate busy = candidate(DEEPSEEK_CHAT, FixedHealth.measured(100, 200).withInFlight(4));
    Candidate idle = candidate(GPT_4_1_MINI, FixedHealth.measured(300, 600));
    PeakEwmaStrategy strategy = seeded(5);

    // when
    List<Candidate> plan = strategy.plan(request, List.of(busy, idle));

    // then
    assertThat(plan).containsExactly(idle, busy);
    assertThat(strategy.costNanos(busy.health())).isEqualTo(Duration.ofMillis(500).toNanos());
    assertThat(strategy.costNanos(idle.health())).isEqualTo(Duration.ofMillis(300).toNanos());
  }

  @Test
  void aModelWithoutASampleCostsTheUnmeasuredLatency() {
    // given
    Candidate fresh = candidate(CLAUDE_3_5_SONNET, FixedHealth.HEALTHY);
    Candidate measured = candidate(DEEPSEEK_CHAT, FixedHealth.measured(850, 1_200));
    PeakEwmaStrategy eager = seeded(9);
    SplittableRandom random = new SplittableRandom(9);
    PeakEwmaStrategy wary = PeakEwmaStrategy.builder()
        .unmeasuredLatency(Duration.ofSeconds(2)).random(() -> random).build();

    // when
    List<Candidate> eagerPlan = eager.plan(request, List.of(measured, fresh));
    List<Candidate> waryPlan = wary.plan(request, List.of(measured, fresh));

    // then: 500 ms by default, so the new model gets tried
    assertThat(eagerPlan).containsExactly(fresh, measured);
    assertThat(waryPlan).containsExactly(measured, fresh);
    assertThat(PeakEwmaStrategy.ofDefaults().costNanos(FixedHealth.HEALTHY.withInFlight(1)))
        .isEqualTo(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void aModelDueForAProbeCompetesAgainThoughItsCircuitStillSaysOpen() {
    // given: the fastest model's circuit opened, and its recovery time is over; its state moves
    // only when the router admits the probe, which it does only for a model it reaches in the plan
    List<Candidate> candidates = List.of(
        candidate(DEEPSEEK_CHAT, measured(DEEPSEEK_CHAT).dueForProbe()),
        candidate(GPT_4_1_MINI, measured(GPT_4_1_MINI)),
        candidate(GPT_4_1, measured(GPT_4_1)));
    PeakEwmaStrategy strategy = seeded(5);

    // when
    int first = 0;
    for (int i = 0; i < PLANS; i++) {
      first += ids(strategy.plan(request, candidates)).get(0).equals(DEEPSEEK_CHAT.id()) ? 1 : 0;
    }

    // then it leads the plans where the random pair includes it (two in three), not none
    assertThat(first).isGreaterThan(PLANS / 2);
  }

  @Test
  void withOneHealthyModelItGoesFirstAndTheRestFollowByCost() {
    // given
    List<Candidate> candidates = List.of(
        candidate(DEEPSEEK_CHAT, measured(DEEPSEEK_CHAT).withCircuit(CircuitState.OPEN)),
        candidate(GPT_4_1, measured(GPT_4_1)),
        candidate(GEMINI_2_5_FLASH, measured(GEMINI_2_5_FLASH).unavailable()));

    // when
    List<Candidate> plan = seeded(11).plan(request, candidates);

    // then
    assertThat(ids(plan)).containsExactly(GPT_4_1.id(), DEEPSEEK_CHAT.id(), GEMINI_2_5_FLASH.id());
  }

  @Test
  void withNoHealthyModelEveryModelIsPlannedByCost() {
    // given
    List<Candidate> candidates = List.of(
        candidate(GPT_4_1, measured(GPT_4_1).withCircuit(CircuitState.OPEN)),
        candidate(DEEPSEEK_CHAT, measured(DEEPSEEK_CHAT).withCircuit(CircuitState.OPEN)));

    // when
    List<Candidate> plan = seeded(13).plan(request, candidates);

    // then
    assertThat(ids(plan)).containsExactly(DEEPSEEK_CHAT.id(), GPT_4_1.id());
  }

  @Test
  void aHalfOpenModelMayBeChosen() {
    // given: a probe is how a recovering model gets back in
    Candidate probing = candidate(DEEPSEEK_CHAT, measured(DEEPSEEK_CHAT).withCircuit(CircuitState.HALF_OPEN));
    Candidate steady = candidate(GPT_4_1, measured(GPT_4_1));

    // when
    List<Candidate> plan = seeded(17).plan(request, List.of(steady, probing));

    // then
    assertThat(plan).containsExactly(probing, steady);
  }

  @Test
  void theSameSeedGivesTheSamePlans() {
    // given
    PeakEwmaStrategy first = seeded(21);
    PeakEwmaStrategy second = seeded(21);
    List<Candidate> candidates = asMeasured();

    // when
    List<List<ModelId>> firstPlans = new ArrayList<>();
    List<List<ModelId>> secondPlans = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      firstPlans.add(ids(first.plan(request, candidates)));
      secondPlans.add(ids(second.plan(request, candidates)));
    }

    // then
    assertThat(firstPlans).isEqualTo(secondPlans);
    assertThat(new HashSet<>(firstPlans)).hasSizeGreaterThan(1);
  }

  @Test
  void anEmptyCatalogGivesAnEmptyPlan() {
    // then
    assertThat(PeakEwmaStrategy.ofDefaults().plan(request, List.of())).isEmpty();
  }

  @Test
  void builderRejectsASettingGivenTwiceAndANonPositiveLatency() {
    // given
    PeakEwmaStrategy.Builder builder = PeakEwmaStrategy.builder().unmeasuredLatency(Duration.ofSeconds(1));

    // when / then
    assertThatThrownBy(() -> builder.unmeasuredLatency(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("unmeasured latency was already set");
    assertThatThrownBy(() -> PeakEwmaStrategy.builder().unmeasuredLatency(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unmeasured latency must be positive");
    assertThatThrownBy(() -> PeakEwmaStrategy.builder()
            .random(SplittableRandom::new).random(SplittableRandom::new))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("random source was already set");
  }
}
