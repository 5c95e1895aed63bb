package dev.sheepdog.core;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ProviderId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every model's health at one moment.
 *
 * @param atEpochMillis when the snapshot was taken
 * @param models one report per model, in catalog order
 */
public record HealthReport(long atEpochMillis, List<ModelReport> models) {
  public HealthReport {
    models = List.copyOf(models);
  }

  public Optional<ModelReport> model(String id) {
    ModelId wanted = ModelId.of(id);
    return models.stream().filter(m -> m.model().equals(wanted)).findFirst();
  }

  /**
   * One model's health.
   *
   * @param openUntilEpochMillis when an open circuit half-opens, else {@code null}
   * @param coolDownUntilEpochMillis when a 429 cool-down ends, else {@code null}
   * @param calls provider calls started since the router started
   * @param failures failed calls (cancellations excluded)
   * @param lastFailure the kind of the most recent failure, or {@code null}
   */
  public record ModelReport(
      ModelId model,
      ProviderId provider,
      CircuitState state,
      Long openUntilEpochMillis,
      Long coolDownUntilEpochMillis,
      long calls,
      long successes,
      long failures,
      Map<FailureKind, Long> failuresByKind,
      int consecutiveFailures,
      FailureKind lastFailure,
      Long lastFailureEpochMillis,
      int inFlight) {
    public ModelReport {
      failuresByKind = Map.copyOf(failuresByKind);
    }
  }
}
