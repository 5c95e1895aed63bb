package dev.sheepdog.gateway.config;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.Provider;
import com.google.inject.TypeLiteral;
import dev.sheepdog.core.inject.RouterModule;
import dev.sheepdog.policy.cost.CostPolicyModule;
import dev.sheepdog.policy.latency.LatencyPolicyModule;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.SelectionStrategy;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The strategy names a configuration may use without plug-ins: those the gateway's modules bind
 * into the router's {@code Map<String, SelectionStrategy>} ({@code RouterModule}, {@code
 * CostPolicyModule}, {@code LatencyPolicyModule}), read from the modules themselves so the
 * loader's list cannot drift from what the gateway builds.
 */
public final class Strategies {
  private static final Set<String> BUILT_IN = Collections.unmodifiableSet(new LinkedHashSet<>(Guice.createInjector(
      new RouterModule(), new CostPolicyModule(), new LatencyPolicyModule(),
      // the router is never asked for here; its catalog only has to be bound
      binder -> binder.bind(ModelCatalog.class).toProvider((Provider<ModelCatalog>) () -> {
        throw new UnsupportedOperationException("no catalog");
      }))
      .getInstance(Key.get(new TypeLiteral<Map<String, Provider<SelectionStrategy>>>() {}))
      .keySet()));

  private Strategies() {}

  /** {@code route-table}, {@code cost}, {@code latency} and {@code latency-tier}. */
  public static Set<String> builtInNames() {
    return BUILT_IN;
  }
}
