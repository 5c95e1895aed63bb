package dev.sheepdog.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The router's timing and resilience settings. Defaults: deadline 60 s, each attempt at most 60 s
 * (the tutorial's read timeout), the tutorial's retry and circuit settings, fail fast when every
 * circuit is open, and a 1 s wait after a 429 that named none.
 *
 * @param deadline how long a request may take in all, unless its hints say otherwise
 * @param attemptTimeout the most one provider call may take (also capped by the time left)
 * @param retry retry rounds, backoff and budget
 * @param circuit circuit breaker thresholds and recovery
 * @param allOpenPolicy what to do when every planned model's circuit is open
 * @param defaultRetryAfter how long a model cools down after a 429 without {@code Retry-After}
 */
public record RouterSettings(
    Duration deadline,
    Duration attemptTimeout,
    RetryConfig retry,
    CircuitBreakerConfig circuit,
    AllOpenPolicy allOpenPolicy,
    Duration defaultRetryAfter) {

  public RouterSettings {
    Durations.positive(deadline, "deadline");
    Durations.positive(attemptTimeout, "attempt_timeout");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(circuit, "circuit");
    Objects.requireNonNull(allOpenPolicy, "all_open_policy");
    Durations.positive(defaultRetryAfter, "default_retry_after");
  }

  public static RouterSettings defaults() {
    return new RouterSettings(Duration.ofSeconds(60), Duration.ofSeconds(60), RetryConfig.defaults(),
        CircuitBreakerConfig.defaults(), AllOpenPolicy.FAIL_FAST, Duration.ofSeconds(1));
  }

  public RouterSettings withDeadline(Duration deadline) {
    return new RouterSettings(deadline, attemptTimeout, retry, circuit, allOpenPolicy, defaultRetryAfter);
  }

  public RouterSettings withAttemptTimeout(Duration attemptTimeout) {
    return new RouterSettings(deadline, attemptTimeout, retry, circuit, allOpenPolicy, defaultRetryAfter);
  }

  public RouterSettings withRetry(RetryConfig retry) {
    return new RouterSettings(deadline, attemptTimeout, retry, circuit, allOpenPolicy, defaultRetryAfter);
  }

  public RouterSettings withCircuit(CircuitBreakerConfig circuit) {
    return new RouterSettings(deadline, attemptTimeout, retry, circuit, allOpenPolicy, defaultRetryAfter);
  }

  public RouterSettings withAllOpenPolicy(AllOpenPolicy allOpenPolicy) {
    return new RouterSettings(deadline, attemptTimeout, retry, circuit, allOpenPolicy, defaultRetryAfter);
  }
}
