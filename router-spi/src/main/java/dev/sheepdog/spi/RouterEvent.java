package dev.sheepdog.spi;

import java.time.Duration;

/**
 * Something that happened inside the router. Listeners receive these synchronously, on the thread
 * that caused them: see {@link RouterListener}.
 */
public sealed interface RouterEvent {

  /** A provider call starts. {@code attempt} counts from 1 across the whole request. */
  record AttemptStarted(String requestId, ModelId model, int attempt, int round) implements RouterEvent {}

  /** A provider call answered. */
  record AttemptSucceeded(String requestId, ModelId model, int attempt, Duration latency, Usage usage, Money cost)
      implements RouterEvent {}

  /**
   * A provider call answered without reporting its usage: its cost was estimated from the token
   * estimator (the prompt's estimate, and the answer's characters ÷ 4) and recorded as spend, and
   * the limiter kept the tokens reserved. {@code AttemptSucceeded} carries {@link Usage#NONE} and
   * this estimated cost for it. A provider that never reports usage makes its spend, budgets and
   * token limits estimates; fix the adapter, or let the provider report usage.
   */
  record UsageEstimated(String requestId, ModelId model, Usage estimated, Money cost) implements RouterEvent {}

  /** A provider call failed. */
  record AttemptFailed(
      String requestId, ModelId model, int attempt, FailureKind kind, int httpStatus, Duration latency, String message)
      implements RouterEvent {}

  /** A planned model was passed over without a call. */
  record ModelSkipped(String requestId, ModelId model, SkipReason reason) implements RouterEvent {}

  /** A model's circuit changed state. */
  record CircuitTransition(ModelId model, CircuitState from, CircuitState to, long atEpochMillis)
      implements RouterEvent {}

  /**
   * An alert started ({@code resolved == false}) or ended. {@code subject} is a model id, a
   * provider id or a budget name.
   */
  record Alert(AlertType type, String subject, boolean resolved, String message, long atEpochMillis)
      implements RouterEvent {}

  /** A request got its answer. */
  record RequestSucceeded(String requestId, ModelId model, int attempts, Duration latency, Money cost)
      implements RouterEvent {}

  /** A request ended without an answer. */
  record RequestFailed(String requestId, int attempts, Duration latency, String reason) implements RouterEvent {}

  /** A request that failed everywhere was parked for replay under {@code deferredId}. */
  record RequestDeferred(String requestId, String deferredId) implements RouterEvent {}
}
