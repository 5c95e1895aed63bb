package dev.sheepdog.state.redis;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.SharedState;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.spi.Ticker;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's rate limits, the day's spend for budget checks and the models' circuits, in Redis.
 *
 * <p><b>Keys</b> ({@code P} is the prefix; braces are Redis Cluster hash tags, so every script
 * touches one slot):
 *
 * <ul>
 *   <li>{@code P:limit:{model}} — a hash with the model's two GCRA cells, {@code r} (requests) and
 *       {@code t} (tokens), each a theoretical arrival time as {@code "<epoch µs>.<ns>"}; it expires
 *       once both cells are a window in the past, when a missing cell means the same (idle).
 *   <li>{@code P:spend:{epochDay}} — the day's spend counters ({@link RedisSpendStore} writes them);
 *       {@link #reserve} reads {@code total} and {@code tag:<tag>}.
 *   <li>{@code P:circuits} — a hash, model id to the epoch millis until which its circuit is open.
 *   <li>{@code P:probe:{model}:openUntil} — how many callers asked for a probe of that open
 *       episode; lives {@value #PROBE_COUNTER_MINUTES} minutes from the first.
 * </ul>
 *
 * <p><b>Limits</b> are {@code gcra.lua}: router-core's GCRA (same emission interval {@code
 * ceil(60 s / (limit - burst + 1))} in nanoseconds, same rule, requests before tokens, both or
 * neither, {@code TOO_LARGE} above the tpm) run atomically in Redis on the server's clock, so a
 * fleet admits what one instance with the same limits would. The script's header says how it stays
 * exact in doubles.
 *
 * <p><b>One round trip.</b> {@link #reserve} sends the script and the {@code HMGET} of the day's
 * spend back to back on the one connection and awaits both together for the hot-path timeout.
 * Nothing else is awaited on a request's path but {@link #tryProbe}, one script.
 *
 * <p><b>Corrections behind the requests.</b> {@link #correct} adds the difference between the
 * tokens reserved and used to a per-limit sum in memory; the link's writer sends each limit's net
 * sum as one {@code correct} every {@link RedisLink#WRITE_BEHIND} (a net charge, or a refund that
 * never moves the cell below now). The fleet's token cells so learn the real usage that interval
 * late; reservations were taken in full at admission, so the limit is never exceeded meanwhile.
 *
 * <p>Thread-safe: the state is in Redis; this object holds names and the sums waiting.
 */
final class RedisSharedState implements SharedState {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSharedState.class);
  static final LuaScript GCRA = LuaScript.load("gcra.lua");
  static final LuaScript CIRCUIT_OPEN = LuaScript.load("circuit-open.lua");
  static final LuaScript PROBE = LuaScript.load("probe.lua");
  static final long PROBE_COUNTER_MINUTES = 10;
  private static final String PROBE_TTL_MILLIS = Long.toString(Duration.ofMinutes(PROBE_COUNTER_MINUTES).toMillis());
  private static final long[] NO_SPEND = new long[0];

  private final RedisLink link;
  private final Ticker ticker;
  /** Epoch microseconds to decide limits at, or {@code null} for the server's clock. */
  private final LongSupplier nowMicros;
  private final String prefix;
  private final String circuitsKey;
  /** This instance's spend not written yet, by day and field of the day's hash (0 if none). */
  private final SpendWaiting waiting;
  /** Per limit, the tokens used minus the tokens reserved, not sent yet. */
  private final java.util.concurrent.ConcurrentHashMap<Limit, Long> corrections =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Shared state deciding limits on the Redis server's clock. */
  /** What an instance spent and has not written to Redis yet. */
  @FunctionalInterface
  interface SpendWaiting {
    SpendWaiting NONE = (day, field) -> 0;

    /** Nano-dollars of {@code field} of day {@code epochDay}'s hash not written yet. */
    long nanos(long epochDay, String field);
  }

  RedisSharedState(RedisLink link, Ticker ticker) {
    this(link, ticker, SpendWaiting.NONE);
  }

  /**
   * Shared state whose {@link #reserve} adds {@code waiting}, this instance's spend not written
   * yet, to the fleet's spend it reads: an instance's own answers count at once, only the other
   * instances' latest write interval can be missing.
   */
  RedisSharedState(RedisLink link, Ticker ticker, SpendWaiting waiting) {
    this(link, ticker, null, RedisLink.WRITE_BEHIND, waiting);
  }

  /**
   * Shared state deciding limits at {@code nowMicros} (epoch microseconds) instead of the server's
   * clock, sending corrections only when {@link #sendCorrections} is called; for tests that move
   * time by hand.
   */
  RedisSharedState(RedisLink link, Ticker ticker, LongSupplier nowMicros) {
    this(link, ticker, nowMicros, null, SpendWaiting.NONE);
  }

  private RedisSharedState(RedisLink link, Ticker ticker, LongSupplier nowMicros, Duration writeEvery,
      SpendWaiting waiting) {
    this.waiting = Objects.requireNonNull(waiting, "waiting must not be null");
    this.link = Objects.requireNonNull(link, "link must not be null");
    this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
    this.nowMicros = nowMicros;
    this.prefix = link.prefix();
    this.circuitsKey = prefix + ":circuits";
    if (writeEvery != null) {
      link.every(writeEvery, this::sendCorrections);
    }
  }

  static String limitKey(String prefix, ModelId model) {
    return prefix + ":limit:{" + model.value() + "}";
  }

  static String spendKey(String prefix, long epochDay) {
    return prefix + ":spend:{" + epochDay + "}";
  }

  static String probeKey(String prefix, ModelId model, long openUntilEpochMillis) {
    return prefix + ":probe:{" + model.value() + "}:" + openUntilEpochMillis;
  }

  /** The spend hash's field for a {@link dev.sheepdog.spi.SpendRow#key()} of a total or a tag. */
  static String spendField(String spendKey) {
    return spendKey.isEmpty() ? "total" : "tag:" + spendKey;
  }

  @Override
  public Reservation reserve(Limit limit, long tokens, long epochDay, List<String> spendKeys) {
    Objects.requireNonNull(limit, "limit must not be null");
    Objects.requireNonNull(spendKeys, "spend keys must not be null");
    if (tokens < 0) {
      throw new IllegalArgumentException("tokens must not be negative, was " + tokens);
    }
    boolean limited = limit.limited();
    if (!limited && spendKeys.isEmpty()) {
      return new Reservation(Outcome.ADMITTED, 0, NO_SPEND);
    }
    String[] fields = new String[spendKeys.size()];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = spendField(spendKeys.get(i));
    }
    String[] limitKeys = {limitKey(prefix, limit.model())};
    String now = now();
    String spendKey = spendKey(prefix, epochDay);
    return link.hot(redis -> {
      // both commands leave before either answer is awaited: one round trip
      CompletableFuture<List<Object>> decided = limited
          ? link.<List<Object>>eval(redis, GCRA, ScriptOutputType.MULTI, limitKeys, "take", now,
              Long.toString(tokens), Long.toString(limit.requestsPerMinute()), Long.toString(limit.requestBurst()),
              Long.toString(limit.tokensPerMinute()), Long.toString(limit.tokenBurst())).toCompletableFuture()
          : CompletableFuture.completedFuture(null);
      CompletableFuture<List<KeyValue<String, String>>> spent = fields.length == 0
          ? CompletableFuture.completedFuture(List.of())
          : redis.hmget(spendKey, fields).toCompletableFuture();
      return decided.thenCombine(spent, (decision, values) -> reservation(decision, values, epochDay, fields));
    });
  }

  private Reservation reservation(List<Object> decision, List<KeyValue<String, String>> values, long epochDay,
      String[] fields) {
    int count = fields.length;
    long[] spent = count == 0 ? NO_SPEND : new long[count];
    for (int i = 0; i < count; i++) {
      String value = values.get(i).getValueOrElse(null);
      spent[i] = (value == null ? 0 : Long.parseLong(value)) + waiting.nanos(epochDay, fields[i]);
    }
    if (decision == null) {
      return new Reservation(Outcome.ADMITTED, 0, spent);
    }
    long code = (Long) decision.get(0);
    long wait = (Long) decision.get(1);
    return switch ((int) code) {
      case 0 -> new Reservation(Outcome.ADMITTED, 0, spent);
      case 1 -> new Reservation(Outcome.REQUESTS_EXHAUSTED, wait, spent);
      case 2 -> new Reservation(Outcome.TOKENS_EXHAUSTED, wait, spent);
      case 3 -> new Reservation(Outcome.TOO_LARGE, Long.MAX_VALUE, spent);
      default -> throw new IllegalStateException("gcra.lua answered " + decision);
    };
  }

  @Override
  public void correct(Limit limit, long reservedTokens, long actualTokens) {
    Objects.requireNonNull(limit, "limit must not be null");
    if (reservedTokens < 0 || actualTokens < 0) {
      throw new IllegalArgumentException(
          "reserved and actual tokens must not be negative, were " + reservedTokens + " and " + actualTokens);
    }
    if (limit.tokensPerMinute() == 0 || reservedTokens == actualTokens) {
      return;
    }
    corrections.merge(limit, actualTokens - reservedTokens, Long::sum);
  }

  /**
   * Sends each limit's net correction waiting, one script per limit, not awaited; the link's writer
   * calls it every {@link RedisLink#WRITE_BEHIND}. A correction Redis does not get is dropped: the
   * cells forget within a window anyway, and a charge never sent cannot be charged twice.
   */
  void sendCorrections() {
    for (Limit limit : List.copyOf(corrections.keySet())) {
      Long net = corrections.remove(limit);
      if (net == null || net == 0) {
        continue;
      }
      String reserved = net < 0 ? Long.toString(-net) : "0";
      String actual = net > 0 ? Long.toString(net) : "0";
      String[] keys = {limitKey(prefix, limit.model())};
      String now = now();
      sendQuietly("correcting " + limit.model(), () -> link.send(redis -> link.<Long>eval(redis, GCRA,
          ScriptOutputType.INTEGER, keys, "correct", now, Long.toString(limit.tokensPerMinute()),
          Long.toString(limit.tokenBurst()), reserved, actual)));
    }
  }

  @Override
  public void publishCircuit(ModelId model, long openUntilEpochMillis) {
    Objects.requireNonNull(model, "model must not be null");
    if (openUntilEpochMillis < 0) {
      throw new IllegalArgumentException("open until must not be negative, was " + openUntilEpochMillis);
    }
    String[] keys = {circuitsKey};
    if (openUntilEpochMillis == 0) {
      sendQuietly("closing " + model, () -> link.send(redis -> redis.hdel(circuitsKey, model.value())));
    } else {
      sendQuietly("opening " + model, () -> link.send(redis -> link.<Long>eval(redis, CIRCUIT_OPEN,
          ScriptOutputType.INTEGER, keys, model.value(), Long.toString(openUntilEpochMillis))));
    }
  }

  @Override
  public Map<ModelId, Long> openCircuits() {
    Map<String, String> all = link.call(redis -> redis.hgetall(circuitsKey));
    // an entry whose time has passed stays: it is the episode the fleet's probes count against,
    // until an instance's probes close the circuit
    Map<ModelId, Long> open = new HashMap<>();
    all.forEach((model, until) -> {
      try {
        long openUntil = Long.parseLong(until);
        if (openUntil > 0) {
          open.put(ModelId.of(model), openUntil);
        }
      } catch (IllegalArgumentException e) {
        // not a model id or not a number: someone else's field, skipped
      }
    });
    return open;
  }

  @Override
  public boolean tryProbe(ModelId model, long openUntilEpochMillis, int probes) {
    Objects.requireNonNull(model, "model must not be null");
    if (probes <= 0) {
      return false;
    }
    String[] keys = {probeKey(prefix, model, openUntilEpochMillis)};
    Long n = link.hot(redis -> link.<Long>eval(redis, PROBE, ScriptOutputType.INTEGER, keys, PROBE_TTL_MILLIS));
    return n != null && n <= probes;
  }

  private String now() {
    return nowMicros == null ? "" : Long.toString(nowMicros.getAsLong());
  }

  /** Sends without waiting; the link counts a failure, nothing reaches the caller. */
  private static void sendQuietly(String what, java.util.function.Supplier<CompletableFuture<?>> send) {
    try {
      send.get();
    } catch (SharedStateUnavailableException e) {
      // counted by the link
    } catch (RuntimeException e) {
      LOG.debug("{}: {}", what, RedisLink.oneLine(e));
    }
  }
}
