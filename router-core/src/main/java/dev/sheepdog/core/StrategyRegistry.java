package dev.sheepdog.core;

import dev.sheepdog.spi.SelectionStrategy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The selection strategies a configuration may name, each with the factory that builds it, and
 * the one reading of a composite name: {@code a+b+c} is {@code a.andThen(b).andThen(c)}, parts
 * trimmed. {@code RouterModule} builds one from the strategies bound in Guice; the gateway builds
 * one from its YAML's route table and the policies' defaults; both resolve names here, so a name
 * means the same everywhere and an unknown one is reported the same way.
 *
 * <pre>{@code
 * StrategyRegistry strategies = StrategyRegistry.builder()
 *     .add(RouteTableStrategy.NAME, () -> table)
 *     .add(CostAwareStrategy.NAME, CostAwareStrategy::ofDefaults)
 *     .build();
 * SelectionStrategy strategy = strategies.create("route-table+cost");
 * }</pre>
 *
 * Immutable and thread-safe; each {@link #create} asks the factories again.
 */
public final class StrategyRegistry {
  private final Map<String, Supplier<? extends SelectionStrategy>> factories;

  private StrategyRegistry(Map<String, Supplier<? extends SelectionStrategy>> factories) {
    this.factories = Collections.unmodifiableMap(new LinkedHashMap<>(factories));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A registry whose every name stands for the instance given with it. */
  public static StrategyRegistry of(Map<String, ? extends SelectionStrategy> strategies) {
    Builder builder = builder();
    strategies.forEach((name, strategy) -> {
      Objects.requireNonNull(strategy, "strategy " + name);
      builder.add(name, () -> strategy);
    });
    return builder.build();
  }

  /** The parts of a composite name, split at {@code +} and trimmed; an empty part stays (and is unknown). */
  public static List<String> parts(String name) {
    Objects.requireNonNull(name, "strategy name");
    List<String> parts = new ArrayList<>();
    for (String part : name.split("\\+", -1)) {
      parts.add(part.strip());
    }
    return parts;
  }

  /** The names this registry knows, in the order they were added. */
  public Set<String> names() {
    return factories.keySet();
  }

  /** The parts of {@code name} this registry does not know, in order; empty when all are known. */
  public List<String> unknownParts(String name) {
    List<String> unknown = new ArrayList<>();
    for (String part : parts(name)) {
      if (!factories.containsKey(part)) {
        unknown.add(part);
      }
    }
    return unknown;
  }

  /**
   * The strategy {@code name} stands for, composed left to right.
   *
   * @throws IllegalArgumentException naming the first unknown part and every known name
   */
  public SelectionStrategy create(String name) {
    SelectionStrategy composed = null;
    for (String part : parts(name)) {
      Supplier<? extends SelectionStrategy> factory = factories.get(part);
      if (factory == null) {
        throw new IllegalArgumentException("unknown strategy '" + part + "' in '" + name + "'; known: "
            + new TreeSet<>(factories.keySet()));
      }
      SelectionStrategy strategy = Objects.requireNonNull(factory.get(), "the factory of strategy " + part);
      composed = composed == null ? strategy : composed.andThen(strategy);
    }
    return composed;
  }

  /** Collects names and factories; not thread-safe; a name may be added once. */
  public static final class Builder {
    private final Map<String, Supplier<? extends SelectionStrategy>> factories = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds {@code name}, built by {@code factory}. A name is non-blank and holds no {@code +},
     * which joins names.
     */
    public Builder add(String name, Supplier<? extends SelectionStrategy> factory) {
      Objects.requireNonNull(name, "strategy name");
      Objects.requireNonNull(factory, "factory of strategy " + name);
      if (name.isBlank() || name.contains("+") || !name.equals(name.strip())) {
        throw new IllegalArgumentException("a strategy name is non-blank, unpadded and holds no '+', was '" + name
            + "'");
      }
      if (factories.putIfAbsent(name, factory) != null) {
        throw new IllegalStateException("strategy " + name + " is given twice");
      }
      return this;
    }

    public StrategyRegistry build() {
      return new StrategyRegistry(factories);
    }
  }
}
