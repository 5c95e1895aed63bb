package dev.sheepdog.gateway.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The provider {@code type}s a configuration may use, each with its {@link ProviderFactory}.
 * Immutable; {@link #with} returns a copy with one more.
 */
public final class ProviderTypes {
  private final Map<String, ProviderFactory> factories;

  private ProviderTypes(Map<String, ProviderFactory> factories) {
    this.factories = Collections.unmodifiableMap(factories);
  }

  /**
   * {@code openai} (any OpenAI-compatible server), {@code holysheep} and {@code sandbox} (simulated
   * models, no key and no network).
   */
  public static ProviderTypes builtIn() {
    return none()
        .with(OpenAiProviderFactory.TYPE, new OpenAiProviderFactory())
        .with(HolySheepProviderFactory.TYPE, new HolySheepProviderFactory())
        .with(SandboxProviderFactory.TYPE, new SandboxProviderFactory());
  }

  /** No types at all, to start a registry of one's own. */
  public static ProviderTypes none() {
    return new ProviderTypes(new LinkedHashMap<>());
  }

  /** These types and {@code type}; fails if {@code type} is already registered. */
  public ProviderTypes with(String type, ProviderFactory factory) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(factory, "factory");
    if (factories.containsKey(type)) {
      throw new IllegalArgumentException("provider type " + type + " is registered twice");
    }
    Map<String, ProviderFactory> copy = new LinkedHashMap<>(factories);
    copy.put(type, factory);
    return new ProviderTypes(copy);
  }

  public Optional<ProviderFactory> find(String type) {
    return Optional.ofNullable(factories.get(type));
  }

  public Set<String> names() {
    return factories.keySet();
  }
}
