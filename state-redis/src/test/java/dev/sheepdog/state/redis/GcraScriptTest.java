package dev.sheepdog.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.limit.Admission;
import dev.sheepdog.core.limit.ModelRateLimiter;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RateLimits;
import dev.sheepdog.spi.SharedState.Limit;
import dev.sheepdog.spi.SharedState.Outcome;
import dev.sheepdog.spi.SharedState.Reservation;
import dev.sheepdog.testkit.ManualTicker;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code gcra.lua} against router-core's limiter as the oracle: driven at the same explicit
 * instants (whole microseconds, the script's resolution), it must make the same decisions with the
 * same waits, to the nanosecond.
 */
class GcraScriptTest {
  private static final String PREFIX = "gcra";
  /** 2026-01-01T00:00:00Z in epoch microseconds; the manual ticker's nanos are added to it. */
  private static final long BASE_MICROS = 1_767_225_600_000_000L;
  private static final long WINDOW = TimeUnit.MINUTES.toNanos(1);
  private static final AtomicInteger MODELS = new AtomicInteger();

  private static RedisServer server;
  private static RedisLink link;
  private static TestLinks.Plain plain;

  private final ManualTicker ticker = new ManualTicker();
  private ModelId model;
  private RedisSharedState shared;

  @BeforeAll
  static void start() throws IOException {
    server = RedisServer.start();
    link = TestLinks.open(server, PREFIX, TestLinks.PATIENT);
    plain = new TestLinks.Plain(server);
  }

  @AfterAll
  static void stop() throws IOException {
    if (plain != null) {
      plain.close();
    }
    if (link != null) {
      link.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void freshModel() {
    model = ModelId.of("model-" + MODELS.incrementAndGet());
    shared = sharedAt(0);
  }

  /** Shared state whose clock is the manual ticker's, shifted by {@code skewNanos}. */
  private RedisSharedState sharedAt(long skewNanos) {
    return new RedisSharedState(link, ticker, () -> BASE_MICROS + (ticker.nanoTime() + skewNanos) / 1000);
  }

  private Limit limit(long rpm, long requestBurst, long tpm, long tokenBurst) {
    return new Limit(model, rpm, requestBurst, tpm, tokenBurst);
  }

  private ModelRateLimiter oracle(Limit limit) {
    return new ModelRateLimiter(model, RateLimits.of(limit.requestsPerMinute(), limit.tokensPerMinute()),
        limit.requestBurst(), limit.tokenBurst(), ticker);
  }

  private Reservation take(Limit limit, long tokens) {
    return shared.reserve(limit, tokens, 0, List.of());
  }

  /** Moves the ticker by {@code nanos} rounded up to whole microseconds. */
  private void advance(long nanos) {
    ticker.advance((nanos + 999) / 1000 * 1000, TimeUnit.NANOSECONDS);
  }

  private static long emission(long limit, long burst) {
    long slots = limit - burst + 1;
    return Math.max(1, (WINDOW + slots - 1) / slots);
  }

  /** What the script stores for a tat {@code nanos} after {@code micros}. */
  private static String stored(long micros, long nanos) {
    return (micros + Math.floorDiv(nanos, 1000)) + "." + String.format("%03d", Math.floorMod(nanos, 1000));
  }

  private long nowMicros() {
    return BASE_MICROS + ticker.nanoTime() / 1000;
  }

  /**
   * A cell as stored, once what the link sent before (an asynchronous correction) has run: the link
   * is one connection, so a command awaited on it runs after everything sent earlier.
   */
  private String cell(String field) {
    link.call(redis -> redis.ping());
    return plain.redis().hget(RedisSharedState.limitKey(PREFIX, model), field);
  }

  private Long ttl() {
    link.call(redis -> redis.ping());
    return plain.redis().pttl(RedisSharedState.limitKey(PREFIX, model));
  }

  private static void assertSameDecision(Admission expected, Reservation actual, String when) {
    assertThat(actual.outcome().name()).as(when).isEqualTo(expected.outcome().name());
    assertThat(actual.waitNanos()).as(when).isEqualTo(expected.waitNanos());
  }

  @Test
  void aBurstAtOnceThenOneEmissionIntervalApart() {
    Limit limit = limit(60, 10, 0, 0);
    ModelRateLimiter oracle = oracle(limit);
    long e = emission(60, 10);
    for (int i = 0; i < 10; i++) {
      assertThat(take(limit, 0).outcome()).isEqualTo(Outcome.ADMITTED);
      assertThat(oracle.tryAcquire(0).admitted()).isTrue();
    }
    Reservation refused = take(limit, 0);
    assertSameDecision(oracle.tryAcquire(0), refused, "after the burst");
    assertThat(refused.outcome()).isEqualTo(Outcome.REQUESTS_EXHAUSTED);
    assertThat(refused.waitNanos()).isEqualTo(e);
    for (int i = 0; i < 20; i++) {
      advance(oracle.tryAcquire(0).waitNanos());
      assertSameDecision(oracle.tryAcquire(0), take(limit, 0), "spaced request " + i);
      Reservation next = take(limit, 0);
      assertSameDecision(oracle.tryAcquire(0), next, "right after spaced request " + i);
      assertThat(next.outcome()).isEqualTo(Outcome.REQUESTS_EXHAUSTED);
      assertThat(next.waitNanos()).isPositive().isLessThanOrEqualTo(e);
    }
  }

  @Test
  void randomRequestsDecideAsTheLocalLimiterAndNoWindowAdmitsMoreThanTheLimit() {
    long[][] shapes = {
        {50, 7, 10_000, 1_500},
        {7, 1, 100_000_000, 10_000_000}, // fractional intervals of 8.57 s and 667 ns
        {600, 60, 0, 0},
        {0, 0, 90_000, 9_000},
        {1_000, 1_000, 1_000_000, 1}, // burst = limit: one unit a minute after the burst
    };
    for (int shape = 0; shape < shapes.length; shape++) {
      for (boolean refunds : new boolean[] {false, true}) {
        model = ModelId.of("random-" + shape + "-" + refunds + "-" + MODELS.incrementAndGet());
        long[] s = shapes[shape];
        Limit limit = limit(s[0], s[1], s[2], s[3]);
        ModelRateLimiter oracle = oracle(limit);
        Random random = new Random(31L * shape + (refunds ? 1 : 0));
        List<long[]> admitted = new ArrayList<>();
        int admissions = 0;
        for (int step = 0; step < 1_500; step++) {
          if (random.nextBoolean()) {
            advance(random.nextLong(TimeUnit.SECONDS.toNanos(limit.requestsPerMinute() > 100 ? 1 : 6)));
          }
          long tokens = tokens(random, limit.tokensPerMinute());
          Admission expected = oracle.tryAcquire(tokens);
          Reservation actual = take(limit, tokens);
          String when = "shape " + shape + " step " + step + " at " + ticker.nanoTime() + " ns, " + tokens + " tokens";
          assertSameDecision(expected, actual, when);
          if (actual.admitted()) {
            admissions++;
            admitted.add(new long[] {ticker.nanoTime(), tokens});
            if (random.nextInt(3) == 0) {
              long actualTokens = refunds && random.nextBoolean()
                  ? random.nextLong(tokens + 1)
                  : tokens + random.nextLong(Math.max(1, limit.tokensPerMinute() / 20));
              oracle.correct(tokens, actualTokens);
              shared.correct(limit, tokens, actualTokens);
              shared.sendCorrections();
            }
          }
        }
        assertThat(admissions).as("shape %d admits some", shape).isGreaterThan(10);
        if (limit.requestsPerMinute() > 0) {
          assertThat(mostInAWindow(admitted, false)).as("requests in a window, shape %d", shape)
              .isLessThanOrEqualTo(limit.requestsPerMinute());
        }
        if (limit.tokensPerMinute() > 0 && !refunds) {
          // a refund may make room beyond the limit (GcraCell.refund says by how much); charges only tighten
          assertThat(mostInAWindow(admitted, true)).as("tokens in a window, shape %d", shape)
              .isLessThanOrEqualTo(limit.tokensPerMinute());
        }
      }
    }
  }

  private static long tokens(Random random, long tpm) {
    if (tpm == 0) {
      return random.nextInt(5_000);
    }
    int kind = random.nextInt(20);
    if (kind == 0) {
      return 0;
    }
    if (kind == 1) {
      return tpm + 1 + random.nextLong(tpm); // too large
    }
    return 1 + random.nextLong(Math.max(1, tpm / 4));
  }

  /** The most requests (or tokens) admitted at instants inside any half-open window of 60 s. */
  private static long mostInAWindow(List<long[]> admitted, boolean tokens) {
    Deque<long[]> window = new ArrayDeque<>();
    long sum = 0;
    long most = 0;
    for (long[] admission : admitted) {
      window.addLast(admission);
      sum += tokens ? admission[1] : 1;
      while (window.peekFirst()[0] <= admission[0] - WINDOW) {
        long[] left = window.pollFirst();
        sum -= tokens ? left[1] : 1;
      }
      most = Math.max(most, sum);
    }
    return most;
  }

  @Test
  void withoutAnExplicitNowTheServersClockDecides() {
    RedisSharedState onServerTime = new RedisSharedState(link, ticker);
    Limit limit = limit(60, 2, 0, 0);
    assertThat(onServerTime.reserve(limit, 0, 0, List.of()).admitted()).isTrue();
    assertThat(onServerTime.reserve(limit, 0, 0, List.of()).admitted()).isTrue();
    long before = System.currentTimeMillis() * 1000;
    Reservation refused = onServerTime.reserve(limit, 0, 0, List.of());
    long after = System.currentTimeMillis() * 1000 + 1000;
    assertThat(refused.outcome()).isEqualTo(Outcome.REQUESTS_EXHAUSTED);
    assertThat(refused.waitNanos()).isPositive().isLessThanOrEqualTo(emission(60, 2));
    // the cell was stored on the server's clock (the test machine's): a few intervals from now
    long stored = Long.parseLong(cell("r").substring(0, cell("r").indexOf('.')));
    assertThat(stored).isBetween(before, after + 2 * emission(60, 2) / 1000);
  }

  @Test
  void aCallerWhoseClockIsBehindIsStillBoundedAndWaitsAPositiveTime() {
    Limit limit = limit(30, 5, 0, 0);
    long e = emission(30, 5);
    long skew = TimeUnit.SECONDS.toNanos(10);
    RedisSharedState ahead = sharedAt(skew);
    RedisSharedState behind = sharedAt(0);
    for (int i = 0; i < 5; i++) {
      assertThat(ahead.reserve(limit, 0, 0, List.of()).admitted()).isTrue();
    }
    Reservation refused = behind.reserve(limit, 0, 0, List.of());
    assertThat(refused.outcome()).isEqualTo(Outcome.REQUESTS_EXHAUSTED);
    // the cell's tat lies 10 s in this caller's future: it waits for the skew and one interval
    assertThat(refused.waitNanos()).isEqualTo(skew + e);

    Random random = new Random(7);
    List<long[]> admitted = new ArrayList<>();
    for (int step = 0; step < 2_000; step++) {
      advance(random.nextLong(TimeUnit.MILLISECONDS.toNanos(800)));
      Reservation reservation = (random.nextBoolean() ? ahead : behind).reserve(limit, 0, 0, List.of());
      if (reservation.admitted()) {
        admitted.add(new long[] {ticker.nanoTime(), 1});
      } else {
        assertThat(reservation.waitNanos()).as("step %d", step).isPositive().isLessThanOrEqualTo(skew + 5 * e);
      }
    }
    // true time; the two clocks disagree by 10 s, so a window may hold at most 10 s worth more
    long slack = (skew + e - 1) / e;
    assertThat(mostInAWindow(admitted, false)).isLessThanOrEqualTo(limit.requestsPerMinute() + slack);
  }

  @Test
  void aCellFarInTheFutureGivesALongPositiveWaitNotAnOverflow() {
    Limit limit = limit(10, 1, 1_000, 1_000);
    long farMicros = 1L << 52; // year 2112
    RedisSharedState future = new RedisSharedState(link, ticker, () -> farMicros);
    assertThat(future.reserve(limit, 1_000, 0, List.of()).admitted()).isTrue();
    Reservation refused = take(limit, 1);
    assertThat(refused.outcome()).isEqualTo(Outcome.REQUESTS_EXHAUSTED);
    double expected = (farMicros - BASE_MICROS) * 1000.0;
    assertThat(refused.waitNanos()).isPositive().isLessThanOrEqualTo(1L << 62);
    assertThat((double) refused.waitNanos()).isCloseTo(expected, org.assertj.core.data.Percentage.withPercentage(1e-6));
    // a refund from the present cannot move the future cell below the present
    shared.correct(limit, 1_000, 0);
    shared.sendCorrections();
    assertThat(take(limit, 1).outcome()).isEqualTo(Outcome.REQUESTS_EXHAUSTED);
  }

  @Test
  void moreTokensThanTheLimitAreTooLargeAndTakeNothing() {
    Limit limit = limit(100, 10, 1_000, 100);
    Reservation reservation = take(limit, 1_001);
    assertThat(reservation.outcome()).isEqualTo(Outcome.TOO_LARGE);
    assertThat(reservation.waitNanos()).isEqualTo(Long.MAX_VALUE);
    assertSameDecision(oracle(limit).tryAcquire(1_001), reservation, "too large");
    assertThat(plain.redis().exists(RedisSharedState.limitKey(PREFIX, model))).isZero();
    // the whole limit is not too large on an idle cell
    assertThat(take(limit, 1_000).outcome()).isEqualTo(Outcome.ADMITTED);
  }

  @Test
  void whenTheTokensDoNotFitTheRequestSlotIsNotTaken() {
    Limit limit = limit(100, 10, 1_000, 100);
    ModelRateLimiter oracle = oracle(limit);
    assertSameDecision(oracle.tryAcquire(100), take(limit, 100), "the token burst");
    String requests = cell("r");
    Reservation refused = take(limit, 50);
    assertSameDecision(oracle.tryAcquire(50), refused, "tokens exhausted");
    assertThat(refused.outcome()).isEqualTo(Outcome.TOKENS_EXHAUSTED);
    assertThat(cell("r")).isEqualTo(requests);
    // nine more requests without tokens fit the request burst: the refused one took no slot
    for (int i = 0; i < 9; i++) {
      assertSameDecision(oracle.tryAcquire(0), take(limit, 0), "request " + i);
    }
    assertThat(take(limit, 0).outcome()).isEqualTo(Outcome.REQUESTS_EXHAUSTED);
  }

  @Test
  void correctChargesAndRefundsLikeTheLocalCell() {
    Limit limit = limit(0, 0, 6_000, 600);
    ModelRateLimiter oracle = oracle(limit);
    long e = emission(6_000, 600);
    long now = nowMicros();
    assertThat(take(limit, 100).admitted()).isTrue();
    oracle.tryAcquire(100);
    assertThat(cell("t")).isEqualTo(stored(now, 100 * e));

    shared.correct(limit, 100, 150); // used 50 more: charged
    shared.sendCorrections();
    oracle.correct(100, 150);
    assertThat(cell("t")).isEqualTo(stored(now, 150 * e));

    shared.correct(limit, 150, 20); // used 130 less: refunded
    shared.sendCorrections();
    oracle.correct(150, 20);
    assertThat(cell("t")).isEqualTo(stored(now, 20 * e));

    advance(5 * e);
    shared.correct(limit, 500, 0); // a refund never moves the cell below now
    shared.sendCorrections();
    oracle.correct(500, 0);
    assertThat(cell("t")).isEqualTo(stored(nowMicros(), 0));

    advance(TimeUnit.SECONDS.toNanos(1));
    String idle = cell("t");
    shared.correct(limit, 500, 0); // nothing to refund on a cell already in the past
    shared.sendCorrections();
    oracle.correct(500, 0);
    assertThat(cell("t")).isEqualTo(idle);

    // and both decide alike afterwards
    for (long tokens : new long[] {600, 600, 1, 599, 0, 6_000}) {
      assertSameDecision(oracle.tryAcquire(tokens), take(limit, tokens), tokens + " tokens");
    }
  }

  @Test
  void aChargeOnAnIdleCellStartsFromNow() {
    Limit limit = limit(0, 0, 6_000, 600);
    shared.correct(limit, 0, 100);
    shared.sendCorrections();
    assertThat(cell("t")).isEqualTo(stored(nowMicros(), 100 * emission(6_000, 600)));
  }

  @Test
  void anUnlimitedDimensionHasNoCell() {
    Limit tokensOnly = limit(0, 0, 1_000, 100);
    assertThat(take(tokensOnly, 10).admitted()).isTrue();
    assertThat(cell("r")).isNull();
    assertThat(cell("t")).isNotNull();

    model = ModelId.of("requests-only-" + MODELS.incrementAndGet());
    Limit requestsOnly = limit(100, 10, 0, 0);
    assertThat(take(requestsOnly, 1_000_000).admitted()).as("no token limit, nothing too large").isTrue();
    assertThat(cell("r")).isNotNull();
    assertThat(cell("t")).isNull();

    model = ModelId.of("unlimited-" + MODELS.incrementAndGet());
    Limit unlimited = limit(0, 0, 0, 0);
    Reservation reservation = take(unlimited, 1_000_000);
    assertThat(reservation.admitted()).isTrue();
    assertThat(reservation.spent()).isEmpty();
    assertThat(plain.redis().exists(RedisSharedState.limitKey(PREFIX, model))).isZero();
  }

  @Test
  void theCellExpiresOnceItIsAWindowInThePast() {
    Limit limit = limit(60, 10, 6_000, 600);
    long e = emission(60, 10);
    for (int i = 0; i < 10; i++) {
      assertThat(take(limit, 10).admitted()).isTrue();
    }
    // the requests cell leads: 10 intervals ahead of now, then a window until it means nothing
    long expectedMillis = (10 * e + WINDOW + 999_999) / 1_000_000 + 1;
    assertThat(ttl()).isBetween(expectedMillis - 5_000, expectedMillis);

    model = ModelId.of("refunded-" + MODELS.incrementAndGet());
    Limit tokens = limit(0, 0, 6_000, 600);
    assertThat(take(tokens, 600).admitted()).isTrue();
    shared.correct(tokens, 600, 0);
    shared.sendCorrections();
    // refunded to now: a window to go
    assertThat(ttl())
        .isBetween(WINDOW / 1_000_000 - 5_000, WINDOW / 1_000_000 + 1);
  }
}
