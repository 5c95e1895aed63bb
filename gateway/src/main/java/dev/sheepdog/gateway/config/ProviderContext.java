package dev.sheepdog.gateway.config;

import dev.sheepdog.adapter.openai.SharedHttpClient;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link PreparedProvider} may need to build its provider.
 *
 * @param id the provider's id, its name in the {@code providers} section
 * @param models the models of the {@code models} section served by this provider
 * @param ticker the gateway's clock
 * @param scheduler runs timers on that clock (simulated latency, for one)
 * @param upstreamClient the HTTP client every provider of the file calls its upstream with, so
 *     that threads stay bounded whatever the number of providers; {@code null} when each provider
 *     is to own its client. The gateway stops it after closing the providers.
 */
public record ProviderContext(ProviderId id, List<ModelSpec> models, Ticker ticker, Scheduler scheduler,
    SharedHttpClient upstreamClient) {
  public ProviderContext {
    Objects.requireNonNull(id, "id");
    models = List.copyOf(Objects.requireNonNull(models, "models"));
    Objects.requireNonNull(ticker, "ticker");
    Objects.requireNonNull(scheduler, "scheduler");
  }

  /** A context without a shared HTTP client: each provider that needs one owns its own. */
  public ProviderContext(ProviderId id, List<ModelSpec> models, Ticker ticker, Scheduler scheduler) {
    this(id, models, ticker, scheduler, null);
  }
}
