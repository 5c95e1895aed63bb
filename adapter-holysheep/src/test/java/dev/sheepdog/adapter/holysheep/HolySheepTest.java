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
import dev.sheepdog.spi.catalog.TutorialModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HolySheepTest {
  private static final String KEY = "sk-holysheep-test-SECRET123";

  @Test
  void the_catalog_is_the_tutorials_under_provider_holysheep() {
    // when
    ModelCatalog catalog = HolySheep.catalog();
    // then (the prices and limits themselves are pinned in TutorialModelsTest)
    assertThat(catalog.models()).isEqualTo(TutorialModels.catalog(ProviderId.of("holysheep")).models());
    assertThat(HolySheep.catalog("relay").models()).allSatisfy(
        m -> assertThat(m.provider()).isEqualTo(ProviderId.of("relay")));
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
}
