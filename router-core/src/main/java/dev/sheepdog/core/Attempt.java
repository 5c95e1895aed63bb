package dev.sheepdog.core;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import java.time.Duration;
import java.util.Objects;

/**
 * One provider call made for a request: part of the attempt trail.
 *
 * @param model the model called
 * @param round which pass over the plan (1 for the first)
 * @param failure how it failed, or {@code null} if it answered
 * @param httpStatus the upstream status when it failed, else {@code 0}
 * @param latency how long the call took
 * @param message the provider's message when it failed, else empty
 */
public record Attempt(ModelId model, int round, FailureKind failure, int httpStatus, Duration latency, String message) {
  public Attempt {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(latency, "latency");
    message = message == null ? "" : message;
  }

  static Attempt succeeded(ModelId model, int round, Duration latency) {
    return new Attempt(model, round, null, 200, latency, "");
  }

  public boolean succeeded() {
    return failure == null;
  }

  @Override
  public String toString() {
    return model + (failure == null ? " ok" : " " + failure + (httpStatus > 0 ? " " + httpStatus : ""))
        + " in " + latency.toMillis() + " ms";
  }
}
