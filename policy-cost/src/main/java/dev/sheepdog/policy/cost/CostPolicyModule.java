package dev.sheepdog.policy.cost;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.spi.SelectionStrategy;

/**
 * Binds the {@link CostAwareStrategy} into the router's {@code Map<String, SelectionStrategy>}
 * under {@value CostAwareStrategy#NAME}.
 *
 * <p>Its {@link QualityFloors} and {@link PriceCeiling} are defaults through {@link
 * OptionalBinder}: a budget feeds its ceiling with {@code
 * OptionalBinder.newOptionalBinder(binder(), PriceCeiling.class).setBinding().toInstance(ceiling)}
 * in its own module, without replacing this one.
 */
public final class CostPolicyModule extends AbstractModule {
  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), QualityFloors.class)
        .setDefault()
        .toInstance(QualityFloors.defaults());
    OptionalBinder.newOptionalBinder(binder(), PriceCeiling.class)
        .setDefault()
        .toInstance(PriceCeiling.NONE);
    MapBinder.newMapBinder(binder(), String.class, SelectionStrategy.class)
        .addBinding(CostAwareStrategy.NAME)
        .to(CostAwareStrategy.class);
  }

  @Provides
  @Singleton
  CostAwareStrategy costAwareStrategy(QualityFloors qualityFloors, PriceCeiling priceCeiling) {
    return CostAwareStrategy.builder().qualityFloors(qualityFloors).priceCeiling(priceCeiling).build();
  }

  // one instance per injector is enough; equal modules let Guice deduplicate repeated installs
  @Override
  public boolean equals(Object other) {
    return other instanceof CostPolicyModule;
  }

  @Override
  public int hashCode() {
    return CostPolicyModule.class.hashCode();
  }
}
