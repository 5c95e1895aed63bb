package dev.sheepdog.policy.latency;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SelectionStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The latency samples of docs/policies.md, compiled and run so they cannot rot; the code between
 * {@code // [name]} and {@code // [/name]} is what the page shows.
 */
class PoliciesDocSamplesTest {
  @Test
  void peakEwma() {
    // given
    // [peak-ewma]
    SelectionStrategy latency = PeakEwmaStrategy.ofDefaults();

    // reproducible plans in a test or a simulation:
    SplittableRandom random = new SplittableRandom(42);
    SelectionStrategy seeded = PeakEwmaStrategy.builder()
        .unmeasuredLatency(Duration.ofSeconds(1))
        .random(() -> random)
        .build();
    // [/peak-ewma]

    // then
    assertThat(latency.plan(TutorialCatalog.request(Priority.NORMAL), TutorialCatalog.asMeasured())).hasSize(6);
    assertThat(seeded.plan(TutorialCatalog.request(Priority.NORMAL), TutorialCatalog.asMeasured())).hasSize(6);
  }

  @Test
  void latencyTiers() {
    // given
    // [tiers]
    SelectionStrategy tiers = LatencyTierStrategy.builder()
        .tier(Priority.FAST, Duration.ofMillis(1_500))
        .tier(Priority.NORMAL, Duration.ofSeconds(4))
        .build();                                      // high keeps its default, 10 s
    // [/tiers]

    // then
    assertThat(tiers.plan(TutorialCatalog.request(Priority.NORMAL), TutorialCatalog.asMeasured())).hasSize(6);
  }

  @Test
  void composition() {
    // given
    // [compose]
    // a strategy of your own: cheapest first (CostAwareStrategy does this and more)
    SelectionStrategy cheapestFirst = (PlanRequest request, List<Candidate> candidates) -> {
      List<Candidate> plan = new ArrayList<>(candidates);
      plan.sort(Comparator.comparingLong(c -> c.spec().price()
          .cost(request.estimatedPromptTokens(), request.expectedOutputTokens()).nanos()));
      return plan;
    };

    // keep the models fast enough for the priority, then order them by price
    SelectionStrategy cheapestWithinTier = LatencyTierStrategy.ofDefaults().andThen(cheapestFirst);
    // [/compose]

    // when
    List<Candidate> plan = cheapestWithinTier.plan(TutorialCatalog.request(Priority.NORMAL),
        TutorialCatalog.asMeasured());

    // then
    assertThat(plan.get(0).id()).isEqualTo(TutorialCatalog.DEEPSEEK_CHAT.id());
    assertThat(TutorialCatalog.ids(plan)).doesNotContain(TutorialCatalog.GPT_4_1.id());
  }

  @Test
  void guice() {
    // given
    // [guice]
    Map<String, SelectionStrategy> strategies = Guice.createInjector(new LatencyPolicyModule())
        .getInstance(Key.get(new TypeLiteral<Map<String, SelectionStrategy>>() {}));
    SelectionStrategy latency = strategies.get("latency");          // PeakEwmaStrategy
    SelectionStrategy latencyTier = strategies.get("latency-tier"); // LatencyTierStrategy
    // [/guice]

    // then
    assertThat(latency).isInstanceOf(PeakEwmaStrategy.class);
    assertThat(latencyTier).isInstanceOf(LatencyTierStrategy.class);
  }
}
