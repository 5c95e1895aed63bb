package dev.sheepdog.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How a router that shares its state with other instances ({@link dev.sheepdog.spi.SharedState})
 * behaves when that state cannot be reached, and how often it looks at the fleet's circuits.
 *
 * @param instances how many instances share the limits: while the shared state is unreachable each
 *     instance admits its share, {@code limit / instances} per minute (at least 1)
 * @param onStoreFailure what budgets do while the shared state is unreachable
 * @param circuitSync how often the fleet's circuits are read; a model another instance isolated is
 *     skipped here within this time
 */
public record FleetSettings(int instances, OnStoreFailure onStoreFailure, Duration circuitSync) {
  public static final FleetSettings DEFAULTS = new FleetSettings(1, OnStoreFailure.LOCAL, Duration.ofMillis(500));

  /** What budget caps do while the shared spend cannot be read. */
  public enum OnStoreFailure {
    /** Check caps against this instance's own count (what it loaded plus what it spent since). */
    LOCAL,
    /** Fail closed: a request that a daily cap applies to is rejected. */
    REJECT
  }

  public FleetSettings {
    if (instances < 1 || instances > 10_000) {
      throw new IllegalArgumentException("instances must be between 1 and 10000, was " + instances);
    }
    Objects.requireNonNull(onStoreFailure, "onStoreFailure must not be null");
    Objects.requireNonNull(circuitSync, "circuitSync must not be null");
    if (circuitSync.compareTo(Duration.ofMillis(10)) < 0 || circuitSync.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new IllegalArgumentException("circuitSync must be between 10 ms and 60 s, was " + circuitSync);
    }
  }

  public FleetSettings withInstances(int instances) {
    return new FleetSettings(instances, onStoreFailure, circuitSync);
  }

  public FleetSettings withOnStoreFailure(OnStoreFailure onStoreFailure) {
    return new FleetSettings(instances, onStoreFailure, circuitSync);
  }

  public FleetSettings withCircuitSync(Duration circuitSync) {
    return new FleetSettings(instances, onStoreFailure, circuitSync);
  }
}
