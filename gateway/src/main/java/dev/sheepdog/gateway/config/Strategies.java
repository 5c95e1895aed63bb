package dev.sheepdog.gateway.config;

import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.policy.cost.CostAwareStrategy;
import dev.sheepdog.policy.latency.LatencyTierStrategy;
import dev.sheepdog.policy.latency.PeakEwmaStrategy;
import dev.sheepdog.spi.SelectionStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The strategies {@code routes.strategy} may name: the names the Guice modules bind them under
 * ({@code RouterModule}, {@code CostPolicyModule}, {@code LatencyPolicyModule}), joined with
 * {@code +} to compose them left to right.
 */
final class Strategies {
  static final Set<String> NAMES = Set.of(RouteTableStrategy.NAME, CostAwareStrategy.NAME, PeakEwmaStrategy.NAME,
      LatencyTierStrategy.NAME);

  private Strategies() {}

  /** The parts of {@code name}, trimmed. */
  static List<String> parts(String name) {
    List<String> parts = new ArrayList<>();
    for (String part : name.split("\\+", -1)) {
      parts.add(part.strip());
    }
    return parts;
  }

  /** {@code a+b+c} as {@code a.andThen(b).andThen(c)}; the names must be known. */
  static SelectionStrategy build(String name, RouteTableStrategy table) {
    SelectionStrategy composed = null;
    for (String part : parts(name)) {
      SelectionStrategy strategy = switch (part) {
        case RouteTableStrategy.NAME -> table;
        case CostAwareStrategy.NAME -> CostAwareStrategy.ofDefaults();
        case PeakEwmaStrategy.NAME -> PeakEwmaStrategy.ofDefaults();
        case LatencyTierStrategy.NAME -> LatencyTierStrategy.ofDefaults();
        // not repeated: the loader has refused unknown names, with their line
        default -> throw new IllegalArgumentException("routes.strategy names an unknown strategy (known: " + NAMES
            + ")");
      };
      composed = composed == null ? strategy : composed.andThen(strategy);
    }
    return composed;
  }
}
