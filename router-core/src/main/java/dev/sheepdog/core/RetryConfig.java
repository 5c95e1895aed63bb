package dev.sheepdog.core;

import java.time.Duration;

/**
 * How the router retries after every model of the plan has failed: fail over first, retry second.
 * Defaults are the tutorial's: 3 rounds, backoff 2 s → 10 s with jitter. A retry budget keeps
 * retries from multiplying load during an outage.
 *
 * @param rounds passes over the plan, the first included (1 = no retries)
 * @param initialBackoff the wait before the second round
 * @param maxBackoff the cap on the wait, which doubles each round
 * @param jitter the random spread of each wait, as a fraction in [0, 1] (0.2 = ±20 %)
 * @param budgetRatio retries allowed as a fraction of requests over {@code budgetWindow}
 * @param budgetMinimum retries always allowed in the window, however few the requests
 * @param budgetWindow how far back the budget looks
 * @param maxRetryAfter the cap on a provider's {@code Retry-After}
 */
public record RetryConfig(
    int rounds,
    Duration initialBackoff,
    Duration maxBackoff,
    double jitter,
    double budgetRatio,
    int budgetMinimum,
    Duration budgetWindow,
    Duration maxRetryAfter) {

  public RetryConfig {
    if (rounds < 1) {
      throw new IllegalArgumentException("retry.rounds must be at least 1, was " + rounds);
    }
    Durations.positive(initialBackoff, "retry.initial_backoff");
    Durations.positive(maxBackoff, "retry.max_backoff");
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("retry.max_backoff must not be below retry.initial_backoff");
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("retry.jitter must be in [0, 1], was " + jitter);
    }
    if (!(budgetRatio >= 0)) {
      throw new IllegalArgumentException("retry.budget_ratio must not be negative, was " + budgetRatio);
    }
    if (budgetMinimum < 0) {
      throw new IllegalArgumentException("retry.budget_minimum must not be negative, was " + budgetMinimum);
    }
    Durations.positive(budgetWindow, "retry.budget_window");
    Durations.positive(maxRetryAfter, "retry.max_retry_after");
  }

  public static RetryConfig defaults() {
    return new RetryConfig(3, Duration.ofSeconds(2), Duration.ofSeconds(10), 0.2, 0.2, 3, Duration.ofSeconds(10),
        Duration.ofSeconds(60));
  }

  /** No retry rounds: fail over through the plan once. */
  public static RetryConfig noRetries() {
    return defaults().withRounds(1);
  }

  public RetryConfig withRounds(int rounds) {
    return new RetryConfig(rounds, initialBackoff, maxBackoff, jitter, budgetRatio, budgetMinimum, budgetWindow,
        maxRetryAfter);
  }

  public RetryConfig withBackoff(Duration initial, Duration max, double jitter) {
    return new RetryConfig(rounds, initial, max, jitter, budgetRatio, budgetMinimum, budgetWindow, maxRetryAfter);
  }

  public RetryConfig withBudget(double ratio, int minimum, Duration window) {
    return new RetryConfig(rounds, initialBackoff, maxBackoff, jitter, ratio, minimum, window, maxRetryAfter);
  }

  public RetryConfig withMaxRetryAfter(Duration maxRetryAfter) {
    return new RetryConfig(rounds, initialBackoff, maxBackoff, jitter, budgetRatio, budgetMinimum, budgetWindow,
        maxRetryAfter);
  }

  /** The un-jittered wait before round {@code round} (2 for the first retry). */
  long backoffNanos(int round) {
    double nanos = initialBackoff.toNanos() * Math.pow(2, Math.max(0, round - 2));
    return (long) Math.min(nanos, maxBackoff.toNanos());
  }

  /**
   * The longest wait the retry policy may draw after round {@code round} failed: the backoff it
   * starts from, doubled per pass before it and capped (Failsafe doubles per attempt made, so
   * this is an upper bound), stretched by the jitter.
   */
  long longestBackoffNanos(int round) {
    return (long) Math.min(Long.MAX_VALUE, backoffNanos(round + 1) * (1 + jitter));
  }
}
