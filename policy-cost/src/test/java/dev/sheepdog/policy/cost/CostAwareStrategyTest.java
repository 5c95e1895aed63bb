package dev.sheepdog.policy.cost;

import dev.sheepdog.testkit.FixedHealth;
import static dev.sheepdog.policy.cost.TutorialCatalog.CLAUDE_3_5_SONNET;
import static dev.sheepdog.policy.cost.TutorialCatalog.CLAUDE_SONNET_4;
import static dev.sheepdog.policy.cost.TutorialCatalog.DEEPSEEK_CHAT;
import static dev.sheepdog.policy.cost.TutorialCatalog.GEMINI_2_5_FLASH;
import static dev.sheepdog.policy.cost.TutorialCatalog.GPT_4_1;
import static dev.sheepdog.policy.cost.TutorialCatalog.GPT_4_1_MINI;
import static dev.sheepdog.policy.cost.TutorialCatalog.healthy;
import static dev.sheepdog.policy.cost.TutorialCatalog.healthyExcept;
import static dev.sheepdog.policy.cost.TutorialCatalog.ids;
import static dev.sheepdog.policy.cost.TutorialCatalog.model;
import static dev.sheepdog.policy.cost.TutorialCatalog.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostAwareStrategyTest {
  private final CostAwareStrategy strategy = CostAwareStrategy.ofDefaults();

  @Test
  void plansCheapestFirstByEstimatedCostOfTheRequest() {
    // given
    PlanRequest request = request(TaskType.GENERAL, Priority.NORMAL);

    // when
    List<Candidate> plan = strategy.plan(request, healthy());

    // then
    assertThat(ids(plan)).containsExactly(
        DEEPSEEK_CHAT.id(), GPT_4_1_MINI.id(), GEMINI_2_5_FLASH.id(),
        CLAUDE_3_5_SONNET.id(), CLAUDE_SONNET_4.id(), GPT_4_1.id());
  }

  @Test
  void costWeighsOutputTokensAtTheOutputPrice() {
    // given: a cheap input price does not win when the answer is long
    Candidate cheapInput = Candidate.of(model("cheap-input", "0.10", "20.00", QualityTier.ECONOMY), FixedHealth.HEALTHY);
    Candidate cheapOutput = Candidate.of(model("cheap-output", "5.00", "1.00", QualityTier.ECONOMY), FixedHealth.HEALTHY);
    PlanRequest longAnswer = request(TaskType.GENERAL, Priority.NORMAL);

    // when
    List<Candidate> plan = strategy.plan(longAnswer, List.of(cheapInput, cheapOutput));

    // then: 1,000 × 0.10 + 2,000 × 20.00 is dearer than 1,000 × 5.00 + 2,000 × 1.00
    assertThat(plan).containsExactly(cheapOutput, cheapInput);
  }

  @Test
  void estimatedCostIsExactToTheNanoDollar() {
    // given
    PlanRequest request = request(TaskType.GENERAL, Priority.NORMAL);

    // when
    Money deepseek = CostAwareStrategy.estimatedCost(request, DEEPSEEK_CHAT);
    Money gpt41 = CostAwareStrategy.estimatedCost(request, GPT_4_1);

    // then
    assertThat(deepseek).isEqualTo(Money.ofUsd("0.00378"));
    assertThat(gpt41).isEqualTo(Money.ofUsd("0.072"));
    assertThat(GPT_4_1.price().estimateNanos(1_000, 2_000)).isEqualTo(gpt41.nanos());
  }

  @Test
  void anAbsurdTokenEstimateSaturatesInsteadOfFailingThePlan() {
    // when
    long cost = GPT_4_1.price().estimateNanos(Long.MAX_VALUE / 2, 2_000);

    // then
    assertThat(cost).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void leavesOutModelsBelowTheQualityFloor() {
    // given: code generation needs STANDARD
    PlanRequest request = request(TaskType.CODE_GENERATION, Priority.NORMAL);

    // when
    List<Candidate> plan = strategy.plan(request, healthy());

    // then
    assertThat(ids(plan)).containsExactly(
        GPT_4_1_MINI.id(), CLAUDE_3_5_SONNET.id(), CLAUDE_SONNET_4.id(), GPT_4_1.id());
  }

  @Test
  void highPriorityRaisesTheFloor() {
    // when
    List<Candidate> simpleHigh = strategy.plan(request(TaskType.SIMPLE_QA, Priority.HIGH), healthy());
    List<Candidate> codeHigh = strategy.plan(request(TaskType.CODE_GENERATION, Priority.HIGH), healthy());

    // then
    assertThat(ids(simpleHigh)).containsExactly(
        GPT_4_1_MINI.id(), CLAUDE_3_5_SONNET.id(), CLAUDE_SONNET_4.id(), GPT_4_1.id());
    assertThat(ids(codeHigh)).containsExactly(CLAUDE_SONNET_4.id(), GPT_4_1.id());
  }

  @Test
  void unknownTasksUseTheFloorsOfGeneral() {
    // when
    List<Candidate> plan = strategy.plan(request(TaskType.of("translation"), Priority.HIGH), healthy());

    // then
    assertThat(ids(plan)).containsExactly(
        GPT_4_1_MINI.id(), CLAUDE_3_5_SONNET.id(), CLAUDE_SONNET_4.id(), GPT_4_1.id());
  }

  @Test
  void unavailableModelsGoLastInsteadOfBeingDropped() {
    // given
    List<Candidate> candidates = healthyExcept(DEEPSEEK_CHAT, FixedHealth.HEALTHY.withCircuit(CircuitState.OPEN));

    // when
    List<Candidate> plan = strategy.plan(request(TaskType.GENERAL, Priority.NORMAL), candidates);

    // then
    assertThat(ids(plan)).containsExactly(
        GPT_4_1_MINI.id(), GEMINI_2_5_FLASH.id(), CLAUDE_3_5_SONNET.id(),
        CLAUDE_SONNET_4.id(), GPT_4_1.id(), DEEPSEEK_CHAT.id());
  }

  @Test
  void dropsTheFloorWhenNoAvailableModelMeetsIt() {
    // given: both premium models are isolated
    List<Candidate> candidates = new ArrayList<>();
    for (Candidate c : healthy()) {
      boolean premium = c.spec().tier() == QualityTier.PREMIUM;
      candidates.add(premium ? Candidate.of(c.spec(), FixedHealth.HEALTHY.unavailable()) : c);
    }

    // when
    List<Candidate> plan = strategy.plan(request(TaskType.COMPLEX_REASONING, Priority.NORMAL), candidates);

    // then: everything by cost, the isolated premium models last
    assertThat(ids(plan)).containsExactly(
        DEEPSEEK_CHAT.id(), GPT_4_1_MINI.id(), GEMINI_2_5_FLASH.id(),
        CLAUDE_3_5_SONNET.id(), CLAUDE_SONNET_4.id(), GPT_4_1.id());
  }

  @Test
  void leavesOutModelsAboveTheRequestsMaximumCost() {
    // given
    RouteHints hints = RouteHints.builder().maxCost(Money.ofUsd("0.03")).build();

    // when
    List<Candidate> plan = strategy.plan(request(hints), healthy());

    // then
    assertThat(ids(plan)).containsExactly(DEEPSEEK_CHAT.id(), GPT_4_1_MINI.id(), GEMINI_2_5_FLASH.id());
  }

  @Test
  void aModelCostingExactlyTheMaximumIsKept() {
    // given
    RouteHints hints = RouteHints.builder().maxCost(Money.ofUsd("0.009")).build();

    // when
    List<Candidate> plan = strategy.plan(request(hints), healthy());

    // then
    assertThat(ids(plan)).containsExactly(DEEPSEEK_CHAT.id(), GPT_4_1_MINI.id());
  }

  @Test
  void theMaximumCostWinsOverTheQualityFloor() {
    // given: complex reasoning, but no premium model is this cheap
    RouteHints hints = RouteHints.builder()
        .task(TaskType.COMPLEX_REASONING).maxCost(Money.ofUsd("0.01")).build();

    // when
    List<Candidate> plan = strategy.plan(request(hints), healthy());

    // then
    assertThat(ids(plan)).containsExactly(DEEPSEEK_CHAT.id(), GPT_4_1_MINI.id());
  }

  @Test
  void leavesOutModelsDearerThanThePriceCeiling() {
    // given
    CostAwareStrategy capped = CostAwareStrategy.builder()
        .priceCeiling(PriceCeiling.fixed(Price.perMillion("1.00", "4.00")))
        .build();

    // when
    List<Candidate> plan = capped.plan(request(TaskType.GENERAL, Priority.NORMAL), healthy());

    // then
    assertThat(ids(plan)).containsExactly(DEEPSEEK_CHAT.id(), GPT_4_1_MINI.id());
  }

  @Test
  void anAdjustableCeilingTakesEffectOnTheNextPlan() {
    // given
    AdjustablePriceCeiling ceiling = PriceCeiling.adjustable();
    CostAwareStrategy capped = CostAwareStrategy.builder().priceCeiling(ceiling).build();
    PlanRequest request = request(TaskType.GENERAL, Priority.NORMAL);

    // when
    List<Candidate> before = capped.plan(request, healthy());
    ceiling.limitTo(Price.perMillion("0.50", "2.00"));
    List<Candidate> nearCap = capped.plan(request, healthy());
    ceiling.lift();
    List<Candidate> after = capped.plan(request, healthy());

    // then
    assertThat(before).hasSize(6);
    assertThat(ids(nearCap)).containsExactly(DEEPSEEK_CHAT.id());
    assertThat(after).hasSize(6);
  }

  @Test
  void breaksTiesInCostByHealth() {
    // given: four models at one price
    Candidate slow = Candidate.of(model("slow", "1.00", "1.00", QualityTier.STANDARD),
        FixedHealth.HEALTHY.withEwma(Duration.ofMillis(900)));
    Candidate fast = Candidate.of(model("fast", "1.00", "1.00", QualityTier.STANDARD),
        FixedHealth.HEALTHY.withEwma(Duration.ofMillis(300)));
    Candidate failing = Candidate.of(model("failing", "1.00", "1.00", QualityTier.STANDARD),
        FixedHealth.HEALTHY.withEwma(Duration.ofMillis(100)).withErrorRate(0.2));
    Candidate probing = Candidate.of(model("probing", "1.00", "1.00", QualityTier.STANDARD),
        FixedHealth.HEALTHY.withCircuit(CircuitState.HALF_OPEN));

    // when
    List<Candidate> plan = strategy.plan(request(TaskType.GENERAL, Priority.NORMAL),
        List.of(probing, failing, slow, fast));

    // then: closed before half-open, then lower error rate, then lower latency
    assertThat(plan).containsExactly(fast, slow, failing, probing);
  }

  @Test
  void equalCostAndHealthKeepCatalogOrder() {
    // given
    Candidate first = Candidate.of(model("first", "1.00", "1.00", QualityTier.STANDARD), FixedHealth.HEALTHY);
    Candidate second = Candidate.of(model("second", "1.00", "1.00", QualityTier.STANDARD), FixedHealth.HEALTHY);

    // when
    List<Candidate> plan = strategy.plan(request(TaskType.GENERAL, Priority.NORMAL), List.of(first, second));

    // then
    assertThat(plan).containsExactly(first, second);
  }

  @Test
  void anEmptyCatalogGivesAnEmptyPlan() {
    // when
    List<Candidate> plan = strategy.plan(request(TaskType.GENERAL, Priority.NORMAL), List.of());

    // then
    assertThat(plan).isEmpty();
  }

  @Test
  void builderRejectsASettingGivenTwice() {
    // given
    CostAwareStrategy.Builder builder = CostAwareStrategy.builder().priceCeiling(PriceCeiling.NONE);

    // when / then
    assertThatThrownBy(() -> builder.priceCeiling(PriceCeiling.NONE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("price ceiling");
    assertThatThrownBy(() -> CostAwareStrategy.builder()
            .qualityFloors(QualityFloors.defaults()).qualityFloors(QualityFloors.defaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("quality floors");
  }
}
