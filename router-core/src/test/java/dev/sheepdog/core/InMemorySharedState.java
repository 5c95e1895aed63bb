package dev.sheepdog.core;

import dev.sheepdog.core.limit.Admission;
import dev.sheepdog.core.limit.ModelRateLimiter;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RateLimits;
import dev.sheepdog.spi.SharedState;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.Ticker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shared state in memory for the router's own tests, standing in for a server several routers
 * share: fleet-wide limits are one limiter per model, spend is read from the spend store the
 * routers' ledgers write to, circuits and probe counts are maps. {@link #down} makes every call
 * fail as an unreachable server would.
 */
final class InMemorySharedState implements SharedState {
  private final Ticker ticker;
  private final SpendStore spend;
  private final Map<ModelId, ModelRateLimiter> limiters = new ConcurrentHashMap<>();
  final Map<ModelId, Long> circuits = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();
  final AtomicInteger reserves = new AtomicInteger();
  volatile boolean down;

  InMemorySharedState(Ticker ticker, SpendStore spend) {
    this.ticker = ticker;
    this.spend = spend;
  }

  private void reachable() {
    if (down) {
      throw new SharedStateUnavailableException("test store is down");
    }
  }

  @Override
  public Reservation reserve(Limit limit, long tokens, long epochDay, List<String> spendKeys) {
    reachable();
    reserves.incrementAndGet();
    long[] spent = new long[spendKeys.size()];
    for (SpendRow row : spend.load()) {
      if (row.epochDay() != epochDay) {
        continue;
      }
      String key = row.kind() == SpendRow.Kind.TOTAL ? "" : row.kind() == SpendRow.Kind.TAG ? row.key() : null;
      int index = key == null ? -1 : spendKeys.indexOf(key);
      if (index >= 0) {
        spent[index] += row.nanos();
      }
    }
    if (!limit.limited()) {
      return new Reservation(Outcome.ADMITTED, 0, spent);
    }
    ModelRateLimiter limiter = limiters.computeIfAbsent(limit.model(), m -> new ModelRateLimiter(m,
        RateLimits.of(limit.requestsPerMinute(), limit.tokensPerMinute()), Math.max(1, limit.requestBurst()),
        Math.max(1, limit.tokenBurst()), ticker));
    Admission admission = limiter.tryAcquire(tokens);
    Outcome outcome = switch (admission.outcome()) {
      case ADMITTED -> Outcome.ADMITTED;
      case REQUESTS_EXHAUSTED -> Outcome.REQUESTS_EXHAUSTED;
      case TOO_LARGE -> Outcome.TOO_LARGE;
      default -> Outcome.TOKENS_EXHAUSTED;
    };
    return new Reservation(outcome, admission.waitNanos(), spent);
  }

  @Override
  public void correct(Limit limit, long reservedTokens, long actualTokens) {
    ModelRateLimiter limiter = limiters.get(limit.model());
    if (!down && limiter != null) {
      limiter.correct(reservedTokens, actualTokens);
    }
  }

  @Override
  public void publishCircuit(ModelId model, long openUntilEpochMillis) {
    if (down) {
      return;
    }
    if (openUntilEpochMillis == 0) {
      circuits.remove(model);
    } else {
      circuits.merge(model, openUntilEpochMillis, Math::max);
    }
  }

  @Override
  public Map<ModelId, Long> openCircuits() {
    reachable();
    Map<ModelId, Long> read = Map.copyOf(circuits);
    // what happens while the answer travels back: it no longer shows it
    Runnable during = duringRead;
    duringRead = null;
    if (during != null) {
      during.run();
    }
    return read;
  }

  /** Runs once, the next time the circuits are read, after the read and before its answer arrives. */
  volatile Runnable duringRead;

  @Override
  public boolean tryProbe(ModelId model, long openUntilEpochMillis, int probes) {
    reachable();
    return this.probes.computeIfAbsent(model + "@" + openUntilEpochMillis, k -> new AtomicInteger())
        .incrementAndGet() <= probes;
  }
}
