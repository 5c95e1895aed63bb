package dev.sheepdog.spi.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.RateLimits;
import org.junit.jupiter.api.Test;

/** The catalog against the tutorial's table: the one place its prices and limits are pinned. */
class TutorialModelsTest {

  @Test
  void the_catalog_holds_the_six_models_with_the_tutorials_prices_limits_and_tiers() {
    // when
    ModelCatalog catalog = TutorialModels.catalog(ProviderId.of("holysheep"));
    // then
    assertThat(catalog.models()).extracting(m -> m.id().value()).containsExactly(
        "gpt-4.1", "gpt-4.1-mini", "claude-sonnet-4-20250514", "claude-3-5-sonnet-latest",
        "gemini-2.5-flash-preview-05-20", "deepseek-chat");
    assertModel(catalog, "gpt-4.1", "8.00", "32.00", 1_047_576, RateLimits.of(500, 150_000), QualityTier.PREMIUM);
    assertModel(catalog, "gpt-4.1-mini", "1.00", "4.00", 1_047_576, RateLimits.of(100, 0), QualityTier.STANDARD);
    assertModel(catalog, "claude-sonnet-4-20250514", "4.50", "18.00", 200_000, RateLimits.of(400, 120_000), QualityTier.PREMIUM);
    assertModel(catalog, "claude-3-5-sonnet-latest", "3.50", "15.00", 200_000, RateLimits.of(100, 0), QualityTier.STANDARD);
    assertModel(catalog, "gemini-2.5-flash-preview-05-20", "2.50", "10.00", 1_048_576, RateLimits.of(1_000, 500_000), QualityTier.ECONOMY);
    assertModel(catalog, "deepseek-chat", "0.42", "1.68", 64_000, RateLimits.of(2_000, 1_000_000), QualityTier.ECONOMY);
  }

  @Test
  void the_constants_name_the_catalogs_models_in_its_order() {
    // when
    ModelCatalog catalog = TutorialModels.catalog(ProviderId.of("any"));
    // then
    assertThat(catalog.models()).extracting(ModelSpec::id).containsExactly(
        TutorialModels.GPT_4_1, TutorialModels.GPT_4_1_MINI, TutorialModels.CLAUDE_SONNET_4,
        TutorialModels.CLAUDE_3_5_SONNET, TutorialModels.GEMINI_2_5_FLASH, TutorialModels.DEEPSEEK_CHAT);
  }

  @Test
  void every_model_is_served_by_the_provider_given() {
    // when
    ModelCatalog sandbox = TutorialModels.catalog(ProviderId.of("sandbox"));
    ModelCatalog holySheep = TutorialModels.catalog(ProviderId.of("holysheep"));
    // then: the same models, prices and limits; only the provider differs
    assertThat(sandbox.models()).allSatisfy(m -> assertThat(m.provider()).isEqualTo(ProviderId.of("sandbox")));
    assertThat(sandbox.models()).usingRecursiveFieldByFieldElementComparatorIgnoringFields("provider")
        .containsExactlyElementsOf(holySheep.models());
  }

  private static void assertModel(ModelCatalog catalog, String id, String input, String output, int context,
      RateLimits limits, QualityTier tier) {
    ModelSpec spec = catalog.require(ModelId.of(id));
    assertThat(spec.price()).as("price of %s", id).isEqualTo(Price.perMillion(input, output));
    assertThat(spec.contextWindow()).as("context of %s", id).isEqualTo(context);
    assertThat(spec.limits()).as("limits of %s", id).isEqualTo(limits);
    assertThat(spec.tier()).as("tier of %s", id).isEqualTo(tier);
    assertThat(spec.upstreamName()).isEqualTo(id);
  }
}
