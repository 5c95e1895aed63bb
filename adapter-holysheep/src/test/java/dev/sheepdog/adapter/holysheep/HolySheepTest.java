package dev.sheepdog.adapter.holysheep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.sheepdog.adapter.openai.OpenAiConfig;
import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.RateLimits;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HolySheepTest {
  private static final String KEY = "sk-holysheep-test-SECRET123";

  @Test
  void the_catalog_holds_the_six_models_with_their_prices_limits_and_tiers() {
    // when
    ModelCatalog catalog = HolySheep.catalog();
    // then
    assertThat(catalog.models()).extracting(m -> m.id().value()).containsExactly(
        "gpt-4.1", "gpt-4.1-mini", "claude-sonnet-4-20250514", "claude-3-5-sonnet-latest",
        "gemini-2.5-flash-preview-05-20", "deepseek-chat");
    assertThat(catalog.models()).allSatisfy(m -> assertThat(m.provider()).isEqualTo(ProviderId.of("holysheep")));
    assertModel(catalog, "gpt-4.1", "8.00", "32.00", 1_047_576, RateLimits.of(500, 150_000), QualityTier.PREMIUM);
    assertModel(catalog, "gpt-4.1-mini", "1.00", "4.00", 1_047_576, RateLimits.of(100, 0), QualityTier.STANDARD);
    assertModel(catalog, "claude-sonnet-4-20250514", "4.50", "18.00", 200_000, RateLimits.of(400, 120_000), QualityTier.PREMIUM);
    assertModel(catalog, "claude-3-5-sonnet-latest", "3.50", "15.00", 200_000, RateLimits.of(100, 0), QualityTier.STANDARD);
    assertModel(catalog, "gemini-2.5-flash-preview-05-20", "2.50", "10.00", 1_048_576, RateLimits.of(1_000, 500_000), QualityTier.ECONOMY);
    assertModel(catalog, "deepseek-chat", "0.42", "1.68", 64_000, RateLimits.of(2_000, 1_000_000), QualityTier.ECONOMY);
  }

  @Test
  void a_model_can_be_overridden() {
    // given
    ModelSpec cheaper = HolySheep.catalog().require(ModelId.of("deepseek-chat")).toBuilder().price("0.28", "0.42").build();
    // when
    ModelCatalog catalog = HolySheep.catalog().with(List.of(cheaper));
    // then
    assertThat(catalog.require(ModelId.of("deepseek-chat")).price()).isEqualTo(Price.perMillion("0.28", "0.42"));
    assertThat(catalog.size()).isEqualTo(6);
  }

  @Test
  void the_preset_points_at_holysheep() {
    // when
    try (OpenAiProvider provider = HolySheep.provider(KEY)) {
      // then
      assertThat(provider.id()).isEqualTo(ProviderId.of("holysheep"));
      assertThat(provider.config().baseUrl().toString()).isEqualTo("https://api.holysheep.ai/v1/");
      assertThat(provider.config().maxRequestsPerHost()).isEqualTo(OpenAiConfig.DEFAULT_MAX_REQUESTS);
    }
  }

  @Test
  void a_missing_key_fails_at_construction_naming_the_variable() {
    assertThatThrownBy(() -> HolySheep.builder(name -> null))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("HOLYSHEEP_API_KEY");
    assertThatThrownBy(() -> HolySheep.builder(name -> "  ")).hasMessageContaining("HOLYSHEEP_API_KEY");
    assertThatThrownBy(() -> HolySheep.provider("")).hasMessageContaining("HOLYSHEEP_API_KEY");
    assertThatThrownBy(() -> HolySheep.provider(null)).hasMessageContaining("missing");
  }

  @Test
  void the_key_comes_from_the_environment_variable() {
    // when
    OpenAiProvider.Builder preset = HolySheep.builder(name -> name.equals("HOLYSHEEP_API_KEY") ? KEY : null);
    // then
    assertThat(preset.buildConfig().id()).isEqualTo(ProviderId.of("holysheep"));
  }

  @Test
  void an_odd_looking_key_is_accepted_with_a_warning() {
    // when
    try (OpenAiProvider provider = HolySheep.provider("sk-proj-something-else")) {
      // then
      assertThat(provider.config().toString()).doesNotContain("sk-proj-something-else");
    }
  }

  @Test
  void the_module_binds_the_provider_under_holysheep() {
    // when
    Map<ProviderId, ChatProvider> providers = Guice.createInjector(new HolySheepModule(KEY))
        .getInstance(Key.get(new TypeLiteral<Map<ProviderId, ChatProvider>>() {}));
    // then
    assertThat(providers).containsOnlyKeys(ProviderId.of("holysheep"));
    ((OpenAiProvider) providers.get(ProviderId.of("holysheep"))).close();
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
