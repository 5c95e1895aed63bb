package dev.sheepdog.gateway.config;

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
 */
public record ProviderContext(ProviderId id, List<ModelSpec> models, Ticker ticker, Scheduler scheduler) {
  public ProviderContext {
    Objects.requireNonNull(id, "id");
    models = List.copyOf(Objects.requireNonNull(models, "models"));
    Objects.requireNonNull(ticker, "ticker");
    Objects.requireNonNull(scheduler, "scheduler");
  }
}
