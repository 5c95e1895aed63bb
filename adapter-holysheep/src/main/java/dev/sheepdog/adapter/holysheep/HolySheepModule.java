package dev.sheepdog.adapter.holysheep;

import com.google.inject.AbstractModule;
import dev.sheepdog.adapter.openai.OpenAiConfig;
import dev.sheepdog.adapter.openai.OpenAiModule;
import dev.sheepdog.adapter.openai.OpenAiProvider;
import java.util.Objects;

/**
 * Binds the HolySheep provider into the router's {@code Map<ProviderId, ChatProvider>} under
 * {@value HolySheep#PROVIDER_ID}. The catalog is not bound here: the composition root decides
 * which models it routes to ({@link HolySheep#catalog()} is the usual start).
 *
 * <pre>{@code
 * Guice.createInjector(new HolySheepModule(), new RouterModule());              // HOLYSHEEP_API_KEY
 * Guice.createInjector(new HolySheepModule(HolySheep.builder(key).readTimeout(ofSeconds(30))), ...);
 * }</pre>
 */
public final class HolySheepModule extends AbstractModule {
  private final OpenAiConfig config;

  /** The preset with the key from {@value HolySheep#API_KEY_ENV}; fails now if it is unset. */
  public HolySheepModule() {
    this(HolySheep.builder());
  }

  public HolySheepModule(String apiKey) {
    this(HolySheep.builder(apiKey));
  }

  /** A preset you have configured further, from {@link HolySheep#builder}. */
  public HolySheepModule(OpenAiProvider.Builder preset) {
    this.config = Objects.requireNonNull(preset, "preset").buildConfig();
  }

  @Override
  protected void configure() {
    install(new OpenAiModule(config));
  }
}
