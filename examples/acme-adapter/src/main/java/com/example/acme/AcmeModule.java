package com.example.acme;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.PrivateModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.name.Names;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ProviderId;
import java.net.URI;
import java.time.Duration;
import org.eclipse.jetty.client.HttpClient;

/**
 * Binds one Acme endpoint into the router's {@code Map<ProviderId, ChatProvider>}, under its own
 * id. Its provider lives in a private module, so several endpoints install side by side; they all
 * call out through the application's one {@link HttpClient} binding (a started Jetty client).
 */
public final class AcmeModule extends AbstractModule {
  private final String id;
  private final URI baseUrl;
  private final String apiKey;
  private final Duration readTimeout;

  public AcmeModule(String id, URI baseUrl, String apiKey, Duration readTimeout) {
    this.id = id;
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
    this.readTimeout = readTimeout;
  }

  @Override
  protected void configure() {
    Key<ChatProvider> exposed = Key.get(ChatProvider.class, Names.named("acme.provider." + id));
    install(new PrivateModule() {
      @Override
      protected void configure() {
        bind(exposed).to(AcmeProvider.class);
        expose(exposed);
      }

      @Provides
      @Singleton
      AcmeProvider provider(HttpClient client) {
        return new AcmeProvider(id, baseUrl, apiKey, client, readTimeout);
      }
    });
    MapBinder.newMapBinder(binder(), ProviderId.class, ChatProvider.class).addBinding(ProviderId.of(id)).to(exposed);
  }
}
