package dev.sheepdog.policy.cost;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cost samples of docs/policies.md, compiled and run so they cannot rot; the code between
 * {@code // [name]} and {@code // [/name]} is what the page shows.
 */
class PoliciesDocSamplesTest {
  @Test
  void costAwareWithDefaults() {
    // given
    SelectionStrategy cost = CostAwareStrategy.ofDefaults();

    // when
    List<Candidate> plan = cost.plan(TutorialCatalog.request(TaskType.CODE_GENERATION, Priority.NORMAL),
        TutorialCatalog.healthy());

    // then
    assertThat(plan.get(0).id()).isEqualTo(TutorialCatalog.GPT_4_1_MINI.id());
  }

  @Test
  void costAwareWithOwnFloors() {
    // given
    // [floors]
    QualityFloors floors = QualityFloors.builder()
        .floor(TaskType.SIMPLE_QA, QualityTier.ECONOMY)                       // every priority
        .floor(TaskType.of("legal_review"), QualityTier.PREMIUM)               // a task of your own
        .floor(TaskType.CODE_GENERATION, Priority.FAST, QualityTier.ECONOMY)   // one cell
        .build();
    SelectionStrategy cost = CostAwareStrategy.builder().qualityFloors(floors).build();
    // [/floors]

    // then
    assertThat(floors.floorFor(TaskType.SIMPLE_QA, Priority.HIGH)).isEqualTo(QualityTier.ECONOMY);
    assertThat(cost.plan(TutorialCatalog.request(TaskType.of("legal_review"), Priority.FAST),
        TutorialCatalog.healthy())).hasSize(2);
  }

  @Test
  void budgetFeedsAPriceCeiling() {
    // given
    // [ceiling]
    AdjustablePriceCeiling ceiling = PriceCeiling.adjustable();
    SelectionStrategy cost = CostAwareStrategy.builder().priceCeiling(ceiling).build();

    // the budget, when 90 % of the month's cap is spent:
    ceiling.limitTo(Price.perMillion("1.00", "4.00"));
    // and when the new month starts:
    ceiling.lift();
    // [/ceiling]

    // then
    assertThat(cost.plan(TutorialCatalog.request(TaskType.GENERAL, Priority.NORMAL), TutorialCatalog.healthy()))
        .hasSize(6);
  }

  @Test
  void guiceBindsTheStrategyAndTakesTheBudgetsCeiling() {
    // given
    AdjustablePriceCeiling budgetCeiling = PriceCeiling.adjustable();
    // [guice]
    Map<String, SelectionStrategy> strategies = Guice.createInjector(
            new CostPolicyModule(),
            new AbstractModule() {
              @Override
              protected void configure() {
                OptionalBinder.newOptionalBinder(binder(), PriceCeiling.class)
                    .setBinding().toInstance(budgetCeiling);
              }
            })
        .getInstance(Key.get(new TypeLiteral<Map<String, SelectionStrategy>>() {}));
    SelectionStrategy cost = strategies.get("cost");
    // [/guice]

    // then
    assertThat(((CostAwareStrategy) cost).priceCeiling()).isSameAs(budgetCeiling);
  }

  @Test
  void yourOwnFilterFollowedByCost() {
    // given
    // [own]
    // Leaves out every model not served by one provider; keeps the order it was given.
    final class OnlyProvider implements SelectionStrategy {
      private final ProviderId provider;

      OnlyProvider(ProviderId provider) {
        this.provider = provider;
      }

      @Override
      public List<Candidate> plan(PlanRequest request, List<Candidate> candidates) {
        List<Candidate> plan = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
          Candidate candidate = candidates.get(i);
          if (candidate.spec().provider().equals(provider)) {
            plan.add(candidate);
          }
        }
        return plan;
      }
    }

    SelectionStrategy cheapestOnHolySheep =
        new OnlyProvider(ProviderId.of("holysheep")).andThen(CostAwareStrategy.ofDefaults());
    // [/own]

    // when
    List<Candidate> plan = cheapestOnHolySheep.plan(TutorialCatalog.request(TaskType.GENERAL, Priority.NORMAL),
        TutorialCatalog.healthy());

    // then
    assertThat(plan).hasSize(6);
    assertThat(plan.get(0).id()).isEqualTo(TutorialCatalog.DEEPSEEK_CHAT.id());
  }
}
