package dev.sheepdog.adapter.sandbox;

import dev.sheepdog.spi.ModelId;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The faults of one {@link SandboxProvider}, switchable while traffic flows. A model has at most
 * one fault; setting another replaces it. A fault applies to calls that arrive after it is set;
 * calls already waiting for their answer finish as they began. Thread-safe.
 */
public final class SandboxFaults {
  private final Set<ModelId> models;
  private final ConcurrentHashMap<ModelId, SandboxFault> faults = new ConcurrentHashMap<>();

  SandboxFaults(Set<ModelId> models) {
    this.models = Set.copyOf(models);
  }

  /** Every call to {@code model} fails at once with HTTP 503. */
  public SandboxFaults outage(ModelId model) {
    return set(model, SandboxFault.outage());
  }

  /** Every call to {@code model} takes {@code factor} times as long. */
  public SandboxFaults slowdown(ModelId model, double factor) {
    return set(model, SandboxFault.slowdown(factor));
  }

  /** Every call to {@code model} fails at once with HTTP 429 and {@code Retry-After: retryAfter}. */
  public SandboxFaults rateLimitStorm(ModelId model, Duration retryAfter) {
    return set(model, SandboxFault.rateLimit(retryAfter));
  }

  /** Calls to {@code model} hang until they time out or are cancelled. */
  public SandboxFaults stall(ModelId model) {
    return set(model, SandboxFault.stall());
  }

  /** Streams from {@code model} break half way; complete answers and embeddings fail as cut short. */
  public SandboxFaults brokenStream(ModelId model) {
    return set(model, SandboxFault.brokenStream());
  }

  /** Sets {@code fault} on {@code model}, replacing any other. */
  public SandboxFaults set(ModelId model, SandboxFault fault) {
    faults.put(requireServed(model), Objects.requireNonNull(fault, "fault"));
    return this;
  }

  /** Ends the fault of {@code model}, if any. */
  public SandboxFaults heal(ModelId model) {
    faults.remove(requireServed(model));
    return this;
  }

  public SandboxFaults healAll() {
    faults.clear();
    return this;
  }

  /** The fault of {@code model}, if any. */
  public Optional<SandboxFault> of(ModelId model) {
    return Optional.ofNullable(faults.get(model));
  }

  /** The faults in force, by model, in model order; a snapshot. */
  public Map<ModelId, SandboxFault> active() {
    return Collections.unmodifiableMap(new TreeMap<>(faults));
  }

  /** The models these faults apply to: those the provider has a profile for. */
  public Set<ModelId> models() {
    return models;
  }

  SandboxFault current(ModelId model) {
    return faults.get(model);
  }

  private ModelId requireServed(ModelId model) {
    Objects.requireNonNull(model, "model");
    if (!models.contains(model)) {
      throw new IllegalArgumentException("model " + model + " is not simulated by this sandbox; known: "
          + new TreeSet<>(models));
    }
    return model;
  }
}
