package dev.sheepdog.core.limit;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.RateLimits;
import dev.sheepdog.spi.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admits calls to one model within its requests-per-minute and tokens-per-minute limits, before
 * anything is sent.
 *
 * <p><b>Guarantee.</b> For each limited dimension, what is admitted at instants inside any
 * sliding 60-second window {@code [s, s + 60 s)} never exceeds the limit: at most {@code rpm}
 * requests, and token reservations summing to at most {@code tpm}. Within that, up to a burst
 * ({@link BurstPolicy}, default 10 % of the limit) is admitted at once and the rest is spread at
 * {@code limit - burst + 1} per minute. A reservation larger than the burst waits until the model
 * has been quiet long enough; one larger than the whole tpm limit is refused as {@code TOO_LARGE}.
 * The bound on tokens is about reservations: the provider's real usage is only known afterwards and
 * is fed back with {@link #correct}.
 *
 * <p><b>Concurrency.</b> Each dimension is a lock-free GCRA cell (one {@code AtomicLong}, see
 * {@link GcraCell}); the cool-down is another {@code AtomicLong}. Admission takes a request slot by
 * CAS, then the tokens by CAS; if the tokens no longer fit because another thread won them in
 * between, the request slot is handed back with a CAS from exactly the value this thread
 * published, which succeeds only if nobody admitted since and so restores the cell exactly. When it
 * fails the slot stays used: under a race the limiter may admit slightly less than it could, never
 * more. The admitting path allocates nothing.
 *
 * <p><b>Reservations.</b> {@link #tryAcquire} reserves the estimated tokens (prompt estimate plus
 * {@code max_tokens}). When the answer arrives call {@link #correct} with the real usage: tokens
 * reserved but not used are given back, tokens used beyond the reservation are charged (which can
 * push the model past its limit for a moment; later admissions then wait longer to make up for it).
 * When a call failed before the provider could use tokens (connection refused, circuit tripped on
 * send), call {@link #release}: the tokens are given back, the request slot is not, because the
 * provider may still have counted the request.
 */
public final class ModelRateLimiter {
  static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final ModelId model;
  private final RateLimits limits;
  private final Ticker ticker;
  private final GcraCell requests;
  private final GcraCell tokens;
  private final AtomicLong coolDownUntilNanos;

  /** A limiter with explicit bursts; a burst is ignored for an unlimited dimension. */
  public ModelRateLimiter(ModelId model, RateLimits limits, long requestBurst, long tokenBurst, Ticker ticker) {
    this.model = Objects.requireNonNull(model, "model must not be null");
    this.limits = Objects.requireNonNull(limits, "limits of " + model + " must not be null");
    this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
    long now = ticker.nanoTime();
    this.requests = limits.limitsRequests()
        ? new GcraCell(limits.requestsPerMinute(), requestBurst, WINDOW_NANOS, now)
        : null;
    this.tokens = limits.limitsTokens()
        ? new GcraCell(limits.tokensPerMinute(), tokenBurst, WINDOW_NANOS, now)
        : null;
    // Long.MIN_VALUE would overflow in comparisons with wait arithmetic; a window ago is "never".
    this.coolDownUntilNanos = new AtomicLong(now - WINDOW_NANOS);
  }

  public ModelRateLimiter(ModelId model, RateLimits limits, BurstPolicy burst, Ticker ticker) {
    this(model, limits, burstOf(limits.requestsPerMinute(), burst), burstOf(limits.tokensPerMinute(), burst), ticker);
  }

  /** The model's limits from its spec, with the default burst. */
  public static ModelRateLimiter of(ModelSpec spec, Ticker ticker) {
    return new ModelRateLimiter(spec.id(), spec.limits(), BurstPolicy.DEFAULT, ticker);
  }

  private static long burstOf(long limit, BurstPolicy burst) {
    Objects.requireNonNull(burst, "burst policy must not be null");
    return limit > 0 ? burst.burstFor(limit) : 1;
  }

  public ModelId model() {
    return model;
  }

  public RateLimits limits() {
    return limits;
  }

  /**
   * Admits one request reserving {@code estimatedTokens}, or says how long to wait. On admission
   * the caller owns the reservation and must later {@link #correct} or {@link #release} it.
   */
  public Admission tryAcquire(long estimatedTokens) {
    if (estimatedTokens < 0) {
      throw new IllegalArgumentException("estimated tokens must not be negative, was " + estimatedTokens);
    }
    long now = ticker.nanoTime();
    long coolDown = coolDownUntilNanos.get() - now;
    if (coolDown > 0) {
      return Admission.refused(Admission.Outcome.COOLING_DOWN, coolDown);
    }
    if (tokens != null && estimatedTokens > tokens.limit()) {
      return Admission.refused(Admission.Outcome.TOO_LARGE, Long.MAX_VALUE);
    }
    if (requests == null) {
      return tokens == null ? Admission.ADMITTED : takeTokens(estimatedTokens, now);
    }
    long before;
    long after;
    while (true) {
      before = requests.tat();
      long excess = requests.excessNanos(before, 1, now);
      if (excess > 0) {
        return Admission.refused(Admission.Outcome.REQUESTS_EXHAUSTED, excess);
      }
      // Peek first, so that a model short of tokens does not lose request slots to undo races.
      if (tokens != null && estimatedTokens > 0) {
        long tokenExcess = tokens.excessNanos(tokens.tat(), estimatedTokens, now);
        if (tokenExcess > 0) {
          return Admission.refused(Admission.Outcome.TOKENS_EXHAUSTED, tokenExcess);
        }
      }
      after = requests.next(before, 1, now);
      if (requests.compareAndSet(before, after)) {
        break;
      }
    }
    if (tokens == null || estimatedTokens == 0) {
      return Admission.ADMITTED;
    }
    Admission tokenAdmission = takeTokens(estimatedTokens, now);
    if (!tokenAdmission.admitted()) {
      requests.compareAndSet(after, before);
    }
    return tokenAdmission;
  }

  private Admission takeTokens(long estimatedTokens, long now) {
    if (estimatedTokens == 0) {
      return Admission.ADMITTED;
    }
    long wait = tokens.tryTake(estimatedTokens, now);
    return wait == 0 ? Admission.ADMITTED : Admission.refused(Admission.Outcome.TOKENS_EXHAUSTED, wait);
  }

  /**
   * Settles a reservation with the usage the provider reported: gives back {@code reserved -
   * actual} when positive, charges {@code actual - reserved} when negative.
   */
  public void correct(long reservedTokens, long actualTokens) {
    if (reservedTokens < 0 || actualTokens < 0) {
      throw new IllegalArgumentException(
          "reserved and actual tokens must not be negative, were " + reservedTokens + " and " + actualTokens);
    }
    if (tokens == null || reservedTokens == actualTokens) {
      return;
    }
    long now = ticker.nanoTime();
    if (actualTokens > reservedTokens) {
      tokens.charge(actualTokens - reservedTokens, now);
    } else {
      tokens.refund(reservedTokens - actualTokens, now);
    }
  }

  /**
   * Gives back a whole token reservation after a call that failed before the provider used any
   * tokens. The request slot stays used.
   */
  public void release(long reservedTokens) {
    correct(reservedTokens, 0);
  }

  /**
   * Blocks admission until {@code nanoTime} (on this limiter's ticker), as a provider's 429 with
   * retry-after asks. A later cool-down extends an earlier one; an earlier one never shortens it.
   */
  public void coolDownUntil(long nanoTime) {
    coolDownUntilNanos.accumulateAndGet(nanoTime, Math::max);
  }

  /** When the current cool-down ends, in ticker nanos; in the past when none is running. */
  public long coolDownUntilNanos() {
    return coolDownUntilNanos.get();
  }

  /** Blocks admission for {@code retryAfter} from now. */
  public void coolDown(Duration retryAfter) {
    Objects.requireNonNull(retryAfter, "retry-after must not be null");
    if (retryAfter.isNegative() || retryAfter.isZero()) {
      return;
    }
    long now = ticker.nanoTime();
    long nanos = retryAfter.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos() : retryAfter.toNanos();
    coolDownUntil(now + nanos);
  }

  /** What the model has room for now. */
  public RateLimitHeadroom headroom() {
    long now = ticker.nanoTime();
    return new RateLimitHeadroom(
        model,
        limits.requestsPerMinute(),
        requests == null ? Long.MAX_VALUE : requests.available(now),
        limits.tokensPerMinute(),
        tokens == null ? Long.MAX_VALUE : tokens.available(now),
        Math.max(0, coolDownUntilNanos.get() - now));
  }

  @Override
  public String toString() {
    return "ModelRateLimiter[" + model + ", " + limits.requestsPerMinute() + " rpm, " + limits.tokensPerMinute() + " tpm]";
  }
}
