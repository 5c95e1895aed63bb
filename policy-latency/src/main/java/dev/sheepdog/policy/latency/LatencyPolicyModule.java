package dev.sheepdog.policy.latency;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.spi.SelectionStrategy;

/**
 * Binds {@link PeakEwmaStrategy} as {@value PeakEwmaStrategy#NAME} and {@link LatencyTierStrategy}
 * as {@value LatencyTierStrategy#NAME} into the router's {@code Map<String, SelectionStrategy>}.
 *
 * <p>Both are defaults through {@link OptionalBinder}: to change the tiers, bind your own with
 * {@code OptionalBinder.newOptionalBinder(binder(), LatencyTierStrategy.class).setBinding()} in
 * another module.
 */
public final class LatencyPolicyModule extends AbstractModule {
  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), PeakEwmaStrategy.class)
        .setDefault()
        .toInstance(PeakEwmaStrategy.ofDefaults());
    OptionalBinder.newOptionalBinder(binder(), LatencyTierStrategy.class)
        .setDefault()
        .toInstance(LatencyTierStrategy.ofDefaults());
    MapBinder<String, SelectionStrategy> strategies =
        MapBinder.newMapBinder(binder(), String.class, SelectionStrategy.class);
    strategies.addBinding(PeakEwmaStrategy.NAME).to(PeakEwmaStrategy.class);
    strategies.addBinding(LatencyTierStrategy.NAME).to(LatencyTierStrategy.class);
  }

  // one instance per injector is enough; equal modules let Guice deduplicate repeated installs
  @Override
  public boolean equals(Object other) {
    return other instanceof LatencyPolicyModule;
  }

  @Override
  public int hashCode() {
    return LatencyPolicyModule.class.hashCode();
  }
}
