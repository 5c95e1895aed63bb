package com.example.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.adapter.openai.SharedHttpClient;
import dev.sheepdog.gateway.config.ConfigException;
import dev.sheepdog.gateway.config.ConfigFile;
import dev.sheepdog.gateway.config.ConfigLoader;
import dev.sheepdog.gateway.config.ProviderContext;
import dev.sheepdog.gateway.config.ProviderTypes;
import dev.sheepdog.gateway.config.ProviderFactory;
import dev.sheepdog.gateway.plugin.SheepdogPlugin;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.Ticker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** {@code type: acme} reads its keys with the gateway's file:line errors; the plug-in registers it. */
class AcmeProviderFactoryTest {
  private static final Map<String, String> ENVIRONMENT = Map.of("ACME_API_KEY", "acme-key-0123456789",
      "SHOP_KEY", "acme-key-9876543210");
  private final ConfigLoader loader = ConfigLoader.create()
      .withProviderTypes(ProviderTypes.builtIn().with("acme", new AcmeProviderFactory()))
      .withEnvironment(ENVIRONMENT::get);

  private static String yaml(String acmeKeys) {
    return """
        providers:
          shop:
            type: acme
        %s
        models:
          - {id: acme-large, provider: shop, upstream_name: large-2}
        routes:
          table:
            general: {normal: [acme-large]}
        """.formatted(acmeKeys.indent(4).stripTrailing());
  }

  @Test
  void reads_its_keys_and_builds_the_provider_on_the_gateways_client() throws Exception {
    // given
    String yaml = yaml("base_url: https://api.acme.example/v1\napi_key_env: SHOP_KEY\nread_timeout: 30s");
    // when
    ConfigFile config = loader.parse(yaml, "gateway.yaml");
    // then
    ConfigFile.Provider shop = config.providers().get("shop");
    assertThat(shop.type()).isEqualTo("acme");
    assertThat(shop.prepared().describe()).isEqualTo("https://api.acme.example/v1, key from SHOP_KEY");
    try (SharedHttpClient client = SharedHttpClient.create()) {
      ChatProvider provider = shop.prepared().create(new ProviderContext(ProviderId.of("shop"),
          List.copyOf(config.catalog().models()), Ticker.system(), Scheduler.system(), client));
      assertThat(provider).isInstanceOf(AcmeProvider.class);
      assertThat(provider.id()).isEqualTo(ProviderId.of("shop"));
    }
  }

  @Test
  void the_key_variable_defaults_to_acme_api_key() {
    // when
    ConfigFile config = loader.parse(yaml("base_url: http://127.0.0.1:9000"), "gateway.yaml");
    // then
    assertThat(config.providers().get("shop").prepared().describe())
        .isEqualTo("http://127.0.0.1:9000, key from ACME_API_KEY");
  }

  @Test
  void a_bad_key_is_reported_with_file_line_and_field() {
    // given: line 5 holds a read_timeout that is not a duration, line 6 a key misspelt
    String yaml = yaml("base_url: https://api.acme.example/v1\nread_timeout: soon\nbase_ur1: https://x");
    // when / then
    assertThatThrownBy(() -> loader.parse(yaml, "gateway.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.yaml:5: providers.shop.read_timeout:")
        .hasMessageContaining("gateway.yaml:6: providers.shop.base_ur1:");
  }

  @Test
  void a_missing_base_url_and_a_url_that_is_not_http_are_refused() {
    // when / then
    assertThatThrownBy(() -> loader.parse(yaml("api_key_env: SHOP_KEY"), "gateway.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.yaml:").hasMessageContaining("providers.shop.base_url");
    assertThatThrownBy(() -> loader.parse(yaml("base_url: ftp://acme.example"), "gateway.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.yaml:4: providers.shop.base_url: expected an http or https URL");
  }

  @Test
  void the_plugin_registers_the_acme_type() {
    // given
    Map<String, ProviderFactory> types = new LinkedHashMap<>();
    SheepdogPlugin.Registrar registrar = new SheepdogPlugin.Registrar() {
      @Override
      public SheepdogPlugin.Registrar providerType(String type, ProviderFactory factory) {
        types.put(type, factory);
        return this;
      }

      @Override
      public SheepdogPlugin.Registrar strategy(String name, Supplier<? extends SelectionStrategy> factory) {
        throw new AssertionError("no strategy expected, got " + name);
      }
    };
    // when
    new AcmePlugin().register(registrar);
    // then
    assertThat(new AcmePlugin().name()).isEqualTo("acme");
    assertThat(types).containsOnlyKeys("acme");
    assertThat(types.get("acme")).isInstanceOf(AcmeProviderFactory.class);
  }
}
