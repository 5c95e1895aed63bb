package dev.sheepdog.adapter.openai;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.PrivateModule;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.name.Names;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ProviderId;
import java.util.Objects;

/**
 * Binds one OpenAI-compatible endpoint into the router's {@code Map<ProviderId, ChatProvider>}.
 *
 * <p>Each endpoint lives in its own private module, so two of them (OpenAI and a local vLLM, say)
 * each keep their own config, HTTP client and base URL without clashing; only the provider is
 * exposed, under a key named after its id.
 *
 * <pre>{@code
 * Guice.createInjector(
 *     new OpenAiModule(OpenAiProvider.builder().id("openai").baseUrl(...).apiKey(...).buildConfig()),
 *     new OpenAiModule(OpenAiProvider.builder().id("local").baseUrl("http://localhost:8000/v1").buildConfig()),
 *     new RouterModule());
 * }</pre>
 */
public final class OpenAiModule extends AbstractModule {
  private final OpenAiConfig config;

  public OpenAiModule(OpenAiConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  protected void configure() {
    Key<ChatProvider> exposed = Key.get(ChatProvider.class, Names.named("sheepdog.provider." + config.id()));
    install(new PrivateModule() {
      @Override
      protected void configure() {
        bind(OpenAiConfig.class).toInstance(config);
        bind(OpenAiProvider.class).in(Singleton.class);
        bind(exposed).to(OpenAiProvider.class);
        expose(exposed);
      }
    });
    MapBinder.newMapBinder(binder(), ProviderId.class, ChatProvider.class)
        .addBinding(config.id())
        .to(exposed);
  }
}
