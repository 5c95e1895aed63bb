package dev.sheepdog.policy.latency;

import static dev.sheepdog.policy.latency.TutorialCatalog.CLAUDE_3_5_SONNET;
import static dev.sheepdog.policy.latency.TutorialCatalog.CLAUDE_SONNET_4;
import static dev.sheepdog.policy.latency.TutorialCatalog.DEEPSEEK_CHAT;
import static dev.sheepdog.policy.latency.TutorialCatalog.GEMINI_2_5_FLASH;
import static dev.sheepdog.policy.latency.TutorialCatalog.GPT_4_1;
import static dev.sheepdog.policy.latency.TutorialCatalog.GPT_4_1_MINI;
import static dev.sheepdog.policy.latency.TutorialCatalog.asMeasured;
import static dev.sheepdog.policy.latency.TutorialCatalog.ids;
import static dev.sheepdog.policy.latency.TutorialCatalog.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SelectionStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyTierStrategyTest {
  private final LatencyTierStrategy strategy = LatencyTierStrategy.ofDefaults();

  /** Every model but the one without a sample. */
  private static List<Candidate> measuredOnly() {
    List<Candidate> candidates = new ArrayList<>(asMeasured());
    candidates.removeIf(c -> c.id().equals(CLAUDE_SONNET_4.id()));
    return candidates;
  }

  @Test
  void keepsTheModelsWithinTheTierFastestFirstAndUnmeasuredLast() {
    // when: normal allows a p95 up to 3 s
    List<Candidate> plan = strategy.plan(request(Priority.NORMAL), asMeasured());

    // then: gpt-4.1 (p95 3.5 s) is left out
    assertThat(ids(plan)).containsExactly(
        DEEPSEEK_CHAT.id(), GEMINI_2_5_FLASH.id(), GPT_4_1_MINI.id(),
        CLAUDE_3_5_SONNET.id(), CLAUDE_SONNET_4.id());
  }

  @Test
  void highPriorityAcceptsTheSlowTier() {
    // when
    List<Candidate> plan = strategy.plan(request(Priority.HIGH), asMeasured());

    // then
    assertThat(ids(plan)).containsExactly(
        DEEPSEEK_CHAT.id(), GEMINI_2_5_FLASH.id(), GPT_4_1_MINI.id(),
        CLAUDE_3_5_SONNET.id(), GPT_4_1.id(), CLAUDE_SONNET_4.id());
  }

  @Test
  void anUnmeasuredModelCountsAsFitting() {
    // when: no measured model has a p95 under 1 s
    List<Candidate> plan = strategy.plan(request(Priority.FAST), asMeasured());

    // then
    assertThat(ids(plan)).containsExactly(CLAUDE_SONNET_4.id());
  }

  @Test
  void whenNoModelFitsEveryModelIsPlannedByP95() {
    // when
    List<Candidate> plan = strategy.plan(request(Priority.FAST), measuredOnly());

    // then
    assertThat(ids(plan)).containsExactly(
        DEEPSEEK_CHAT.id(), GEMINI_2_5_FLASH.id(), GPT_4_1_MINI.id(), CLAUDE_3_5_SONNET.id(), GPT_4_1.id());
  }

  @Test
  void tiersAreConfigurable() {
    // given
    LatencyTierStrategy relaxed = LatencyTierStrategy.builder().tier(Priority.FAST, Duration.ofMillis(1_500)).build();

    // when
    List<Candidate> plan = relaxed.plan(request(Priority.FAST), measuredOnly());

    // then
    assertThat(ids(plan)).containsExactly(DEEPSEEK_CHAT.id(), GEMINI_2_5_FLASH.id());
    assertThat(relaxed.maxP95(Priority.NORMAL)).isEqualTo(LatencyTierStrategy.DEFAULT_NORMAL);
  }

  @Test
  void followedByACheapestFirstOrderItPlansTheCheapestWithinTheTier() {
    // given: any strategy that orders by price; CostAwareStrategy is one
    SelectionStrategy cheapestFirst = (PlanRequest request, List<Candidate> candidates) -> {
      List<Candidate> plan = new ArrayList<>(candidates);
      plan.sort(Comparator.comparingLong(c -> c.spec().price().cost(request.estimatedPromptTokens(),
          request.expectedOutputTokens()).nanos()));
      return plan;
    };
    SelectionStrategy cheapestWithinTier = LatencyTierStrategy.ofDefaults().andThen(cheapestFirst);

    // when
    List<Candidate> plan = cheapestWithinTier.plan(request(Priority.NORMAL), asMeasured());

    // then: gpt-4.1 is out of the tier; the rest by price
    assertThat(ids(plan)).containsExactly(
        DEEPSEEK_CHAT.id(), GPT_4_1_MINI.id(), GEMINI_2_5_FLASH.id(),
        CLAUDE_3_5_SONNET.id(), CLAUDE_SONNET_4.id());
  }

  @Test
  void builderRejectsATierGivenTwiceAndANonPositiveBound() {
    // given
    LatencyTierStrategy.Builder builder = LatencyTierStrategy.builder().tier(Priority.FAST, Duration.ofSeconds(1));

    // when / then
    assertThatThrownBy(() -> builder.tier(Priority.FAST, Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("latency tier for fast was already set to PT1S");
    assertThatThrownBy(() -> LatencyTierStrategy.builder().tier(Priority.HIGH, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("latency tier for high must be positive");
  }
}
