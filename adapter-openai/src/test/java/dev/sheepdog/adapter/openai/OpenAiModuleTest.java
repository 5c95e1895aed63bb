package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ProviderId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenAiModuleTest {
  @Test
  void two_endpoints_install_side_by_side_each_with_its_own_url() {
    // given
    OpenAiConfig openai = OpenAiProvider.builder().id("openai").baseUrl("https://api.openai.com/v1").apiKey("sk-a").buildConfig();
    OpenAiConfig local = OpenAiProvider.builder().id("local").baseUrl("http://localhost:8000/v1").buildConfig();
    // when
    Injector injector = Guice.createInjector(new OpenAiModule(openai), new OpenAiModule(local));
    Map<ProviderId, ChatProvider> providers = injector.getInstance(Key.get(new TypeLiteral<Map<ProviderId, ChatProvider>>() {}));
    // then
    assertThat(providers).containsOnlyKeys(ProviderId.of("openai"), ProviderId.of("local"));
    assertThat(((OpenAiProvider) providers.get(ProviderId.of("openai"))).config().baseUrl().host()).isEqualTo("api.openai.com");
    assertThat(((OpenAiProvider) providers.get(ProviderId.of("local"))).config().baseUrl().port()).isEqualTo(8000);
    assertThat(providers.get(ProviderId.of("openai")))
        .isSameAs(injector.getInstance(Key.get(new TypeLiteral<Map<ProviderId, ChatProvider>>() {})).get(ProviderId.of("openai")));
    providers.values().forEach(p -> ((OpenAiProvider) p).close());
  }
}
