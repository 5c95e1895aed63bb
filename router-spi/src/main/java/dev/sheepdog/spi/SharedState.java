package dev.sheepdog.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * State that several router instances share, so that a fleet behaves as one router: the rate
 * limits of each model, the day's spend that budgets are checked against, and the models' circuits.
 * Latency, error rates and hedging stay per instance.
 *
 * <p>A shared state lives on a server (Redis), so every method may find it slow or gone. The hot
 * path ({@link #reserve}) answers within the store's own short timeout or throws {@link
 * SharedStateUnavailableException} at once; the router then falls back to its local view (a share
 * of each limit, its own count of spend, its own circuits) and the store says through its {@link
 * StateStore#health() health} that it is degraded. Writes that settle a request ({@link #correct},
 * {@link #publishCircuit}) never block and never throw.
 */
public interface SharedState {
  /**
   * The one round trip of an admission: takes one request and {@code tokens} tokens from the
   * model's fleet-wide cells (atomically, both or neither) and reads the day's spend counters named
   * in {@code spendKeys} for the budget check.
   *
   * @param spendKeys counters of {@code epochDay} to read, as {@link SpendRow#key()} names them
   *     for {@link SpendRow.Kind#TOTAL} ({@code ""}) and {@link SpendRow.Kind#TAG} (the tag)
   * @throws SharedStateUnavailableException when the store did not answer in time or is isolated
   */
  Reservation reserve(Limit limit, long tokens, long epochDay, List<String> spendKeys);

  /**
   * Settles a reservation made by {@link #reserve}: gives back reserved tokens that were not used,
   * charges tokens used beyond it. Asynchronous; a failure is counted in the store's health.
   */
  void correct(Limit limit, long reservedTokens, long actualTokens);

  /**
   * Tells the fleet that this instance opened ({@code openUntilEpochMillis} in the future) or
   * closed ({@code openUntilEpochMillis == 0}) the model's circuit. Asynchronous.
   */
  void publishCircuit(ModelId model, long openUntilEpochMillis);

  /**
   * The circuits the fleet has published as open and not closed since: model to the epoch millis at
   * which it may be probed. An entry whose time has passed stays until an instance closes the
   * circuit (its probes succeeded): it is the episode the fleet's probes are counted against.
   *
   * @throws SharedStateUnavailableException when the store did not answer in time
   */
  Map<ModelId, Long> openCircuits();

  /**
   * Asks for one of the {@code probes} fleet-wide probe calls of a model whose circuit is half-open
   * since it was opened until {@code openUntilEpochMillis}: {@code true} for at most {@code probes}
   * callers across the fleet, until the circuit is published again.
   *
   * @throws SharedStateUnavailableException when the store did not answer in time
   */
  boolean tryProbe(ModelId model, long openUntilEpochMillis, int probes);

  /**
   * A model's fleet-wide limits as its cells are shaped: per-minute limits and bursts, {@code 0}
   * for an unlimited dimension.
   */
  record Limit(ModelId model, long requestsPerMinute, long requestBurst, long tokensPerMinute, long tokenBurst) {
    public Limit {
      Objects.requireNonNull(model, "model must not be null");
      Checks.notNegative(requestsPerMinute, "rpm");
      Checks.notNegative(tokensPerMinute, "tpm");
      if (requestsPerMinute > 0 && (requestBurst < 1 || requestBurst > requestsPerMinute)) {
        throw new IllegalArgumentException("request burst must be between 1 and " + requestsPerMinute);
      }
      if (tokensPerMinute > 0 && (tokenBurst < 1 || tokenBurst > tokensPerMinute)) {
        throw new IllegalArgumentException("token burst must be between 1 and " + tokensPerMinute);
      }
    }

    public boolean limited() {
      return requestsPerMinute > 0 || tokensPerMinute > 0;
    }
  }

  /**
   * What {@link #reserve} decided and read.
   *
   * @param outcome whether the request and its tokens were taken
   * @param waitNanos when refused, nanoseconds until the same reservation would fit
   * @param spent the day's spend in nano-dollars for each requested counter, in order
   */
  record Reservation(Outcome outcome, long waitNanos, long[] spent) {
    public Reservation {
      Objects.requireNonNull(outcome, "outcome must not be null");
      Objects.requireNonNull(spent, "spent must not be null");
    }

    public boolean admitted() {
      return outcome == Outcome.ADMITTED;
    }
  }

  /** What a shared limit decided. */
  enum Outcome {
    ADMITTED,
    REQUESTS_EXHAUSTED,
    TOKENS_EXHAUSTED,
    /** More tokens than the whole per-minute limit: waiting will not help. */
    TOO_LARGE
  }
}
