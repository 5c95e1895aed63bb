package dev.sheepdog.gateway.config;

import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.StrategyRegistry;
import dev.sheepdog.policy.cost.CostAwareStrategy;
import dev.sheepdog.policy.latency.LatencyTierStrategy;
import dev.sheepdog.policy.latency.PeakEwmaStrategy;
import dev.sheepdog.spi.SelectionStrategy;
import java.util.List;
import java.util.Set;

/**
 * The strategies {@code routes.strategy} may name: the names the Guice modules bind them under
 * ({@code RouterModule}, {@code CostPolicyModule}, {@code LatencyPolicyModule}), each built with
 * its defaults, and the route table from the YAML. Names and their {@code +} composition are read
 * by the core's {@link StrategyRegistry}, as {@code RouterModule} reads them.
 */
final class Strategies {
  static final Set<String> NAMES = registry(RouteTableStrategy.tutorialDefaults()).names();

  private Strategies() {}

  static StrategyRegistry registry(RouteTableStrategy table) {
    return StrategyRegistry.builder()
        .add(RouteTableStrategy.NAME, () -> table)
        .add(CostAwareStrategy.NAME, CostAwareStrategy::ofDefaults)
        .add(PeakEwmaStrategy.NAME, PeakEwmaStrategy::ofDefaults)
        .add(LatencyTierStrategy.NAME, LatencyTierStrategy::ofDefaults)
        .build();
  }

  /** The parts of {@code name}, trimmed. */
  static List<String> parts(String name) {
    return StrategyRegistry.parts(name);
  }

  /** {@code a+b+c} as {@code a.andThen(b).andThen(c)}; the loader has refused unknown names, with their line. */
  static SelectionStrategy build(String name, RouteTableStrategy table) {
    return registry(table).create(name);
  }
}
