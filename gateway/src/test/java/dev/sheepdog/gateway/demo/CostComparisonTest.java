package dev.sheepdog.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.spi.catalog.TutorialModels;
import org.junit.jupiter.api.Test;

class CostComparisonTest {
  private static final ModelCatalog CATALOG = TutorialModels.catalog(ProviderId.of("sandbox"));
  private static final Price GPT_41 = CATALOG.require(TutorialModels.GPT_4_1).price();
  private static final Price GPT_41_MINI = CATALOG.require(TutorialModels.GPT_4_1_MINI).price();
  private static final Price DEEPSEEK = CATALOG.require(TutorialModels.DEEPSEEK_CHAT).price();

  @Test
  void prices_the_same_tokens_at_the_reference_rates() {
    // given
    CostComparison.Tally tally = new CostComparison.Tally(ModelId.of("gpt-4.1"), GPT_41);
    Usage mini = new Usage(1_000, 500);
    Usage deepseek = new Usage(2_000, 1_000);
    Usage premium = new Usage(300, 200);

    // when
    tally.add(mini, GPT_41_MINI.cost(mini));
    tally.add(deepseek, DEEPSEEK.cost(deepseek));
    tally.add(premium, GPT_41.cost(premium));
    CostComparison total = tally.total();

    // then
    // spent: 1,000 × $1/M + 500 × $4/M = $0.003; 2,000 × $0.42/M + 1,000 × $1.68/M = $0.00252;
    // 300 × $8/M + 200 × $32/M = $0.0088
    assertThat(total.actual()).isEqualTo(Money.ofUsd("0.01432"));
    // at gpt-4.1: (1,000 + 2,000 + 300) × $8/M + (500 + 1,000 + 200) × $32/M = $0.0264 + $0.0544
    assertThat(total.allOnReference()).isEqualTo(Money.ofUsd("0.0808"));
    assertThat(total.saved()).isEqualTo(Money.ofUsd("0.06648"));
    assertThat(total.savedFraction()).isCloseTo(0.06648 / 0.0808, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void a_dearer_mix_shows_a_negative_saving_and_nothing_spent_shows_none() {
    CostComparison dearer = new CostComparison(Money.ofUsd("0.02"), ModelId.of("deepseek-chat"), Money.ofUsd("0.01"));
    assertThat(dearer.saved()).isEqualTo(Money.ofUsd("-0.01"));
    assertThat(dearer.savedFraction()).isEqualTo(-1.0);

    CostComparison none = new CostComparison(Money.ZERO, ModelId.of("gpt-4.1"), Money.ZERO);
    assertThat(none.savedFraction()).isZero();
  }

  @Test
  void the_report_prints_both_totals_and_the_saving() {
    // given
    CostComparison cost = new CostComparison(Money.ofUsd("0.01432"), ModelId.of("gpt-4.1"), Money.ofUsd("0.0808"));
    DemoReport report = DemoReportFixtures.withCost(cost);

    // when
    String text = report.render();

    // then
    assertThat(text).contains("spent $0.014320; had every request gone to gpt-4.1 (the same tokens at its rates):"
        + " $0.080800").contains("saved $0.066480 (82.3 %)");
  }

  @Test
  void the_report_says_extra_when_routing_cost_more() {
    CostComparison cost = new CostComparison(Money.ofUsd("0.03"), ModelId.of("gpt-4.1"), Money.ofUsd("0.02"));
    assertThat(DemoReportFixtures.withCost(cost).render()).contains("extra $0.010000 (50.0 %)");
  }
}
