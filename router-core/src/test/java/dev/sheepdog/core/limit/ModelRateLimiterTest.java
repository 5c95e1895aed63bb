package dev.sheepdog.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RateLimits;
import dev.sheepdog.spi.SkipReason;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ModelRateLimiterTest {
  private static final ModelId MODEL = ModelId.of("gpt-4.1");
  private final ManualTicker ticker = new ManualTicker();

  @Test
  void unlimitedModelIsAlwaysAdmitted() {
    // given
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.UNLIMITED, BurstPolicy.DEFAULT, ticker);

    // when / then
    for (int i = 0; i < 100_000; i++) {
      assertThat(limiter.tryAcquire(1_000_000)).isSameAs(Admission.ADMITTED);
    }
    assertThat(limiter.headroom().requestsAvailable()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void burstIsAdmittedAtOnceThenRequestsAreSpacedAtTheSustainedRate() {
    // given 100 rpm, burst 10: sustained 91 a minute
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(100, 0), BurstPolicy.DEFAULT, ticker);

    // when
    int admitted = 0;
    while (limiter.tryAcquire(0).admitted()) {
      admitted++;
    }
    Admission refused = limiter.tryAcquire(0);

    // then
    assertThat(admitted).isEqualTo(10);
    assertThat(refused.outcome()).isEqualTo(Admission.Outcome.REQUESTS_EXHAUSTED);
    assertThat(refused.skipReason()).isEqualTo(SkipReason.RATE_LIMITED);
    long interval = (TimeUnit.MINUTES.toNanos(1) + 90) / 91;
    assertThat(refused.waitNanos()).isEqualTo(interval);

    ticker.advance(refused.waitNanos() - 1, TimeUnit.NANOSECONDS);
    assertThat(limiter.tryAcquire(0).admitted()).isFalse();
    ticker.advance(1, TimeUnit.NANOSECONDS);
    assertThat(limiter.tryAcquire(0).admitted()).isTrue();
  }

  @Test
  void wholeLimitFitsInOneWindowWithoutBurstAndNeverMore() {
    // given 60 rpm and no burst: one request a second
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(60, 0), BurstPolicy.NONE, ticker);

    // when every request is sent as soon as it would be admitted, for five minutes
    int admitted = 0;
    long end = TimeUnit.MINUTES.toNanos(5);
    while (ticker.nanoTime() < end) {
      Admission a = limiter.tryAcquire(0);
      if (a.admitted()) {
        admitted++;
      } else {
        ticker.advance(a.waitNanos(), TimeUnit.NANOSECONDS);
      }
    }

    // then the full limit is sustained: 300 requests in 300 s (the first at 0)
    assertThat(admitted).isBetween(300, 301);
  }

  @Test
  void correctionGivesBackUnusedTokens() {
    // given 10,000 tpm with a 1,000-token burst, and a reservation that takes the whole burst
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(0, 10_000), BurstPolicy.DEFAULT, ticker);
    assertThat(limiter.tryAcquire(1_000).admitted()).isTrue();
    assertThat(limiter.tryAcquire(600).outcome()).isEqualTo(Admission.Outcome.TOKENS_EXHAUSTED);

    // when the answer used only 300 tokens
    limiter.correct(1_000, 300);

    // then 700 are free again at once
    assertThat(limiter.headroom().tokensAvailable()).isEqualTo(700);
    assertThat(limiter.tryAcquire(600).admitted()).isTrue();
  }

  @Test
  void correctionChargesUsageBeyondTheReservation() {
    // given
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(0, 10_000), BurstPolicy.DEFAULT, ticker);
    assertThat(limiter.tryAcquire(100).admitted()).isTrue();
    assertThat(limiter.headroom().tokensAvailable()).isEqualTo(900);

    // when the answer used 500 tokens, not 100
    limiter.correct(100, 500);

    // then the extra 400 are charged
    assertThat(limiter.headroom().tokensAvailable()).isEqualTo(500);
    assertThat(limiter.tryAcquire(501).admitted()).isFalse();
    assertThat(limiter.tryAcquire(500).admitted()).isTrue();
  }

  @Test
  void releaseGivesBackTokensButNotTheRequestSlot() {
    // given 1 rpm-burst model: 10 rpm, burst 1
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(10, 10_000), 1, 1_000, ticker);
    assertThat(limiter.tryAcquire(800).admitted()).isTrue();

    // when the call failed before using tokens
    limiter.release(800);

    // then
    RateLimitHeadroom headroom = limiter.headroom();
    assertThat(headroom.tokensAvailable()).isEqualTo(1_000);
    assertThat(headroom.requestsAvailable()).isZero();
  }

  @Test
  void requestRefusedForTokensDoesNotUseARequestSlot() {
    // given a model whose token burst is used up
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(10, 10_000), 2, 1_000, ticker);
    assertThat(limiter.tryAcquire(1_000).admitted()).isTrue();
    long requestsBefore = limiter.headroom().requestsAvailable();

    // when
    Admission refused = limiter.tryAcquire(1);

    // then
    assertThat(refused.outcome()).isEqualTo(Admission.Outcome.TOKENS_EXHAUSTED);
    assertThat(limiter.headroom().requestsAvailable()).isEqualTo(requestsBefore).isEqualTo(1);
  }

  @Test
  void reservationLargerThanTheBurstWaitsForAQuietModel() {
    // given 10,000 tpm, burst 1,000: sustained 9,001 a minute
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(0, 10_000), BurstPolicy.DEFAULT, ticker);

    // when / then: a fresh limiter counts as quiet for a minute, so the whole limit fits once
    assertThat(limiter.tryAcquire(10_000).admitted()).isTrue();
    Admission next = limiter.tryAcquire(5_000);
    assertThat(next.admitted()).isFalse();
    ticker.advance(next.waitNanos(), TimeUnit.NANOSECONDS);
    assertThat(ticker.elapsed()).isGreaterThanOrEqualTo(Duration.ofSeconds(60));
    assertThat(limiter.tryAcquire(5_000).admitted()).isTrue();
  }

  @Test
  void estimateAboveTheWholeLimitIsTooLarge() {
    // given
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(0, 10_000), BurstPolicy.DEFAULT, ticker);

    // when
    Admission admission = limiter.tryAcquire(10_001);

    // then
    assertThat(admission.outcome()).isEqualTo(Admission.Outcome.TOO_LARGE);
    assertThat(admission.waitNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void retryAfterFromA429BlocksAdmissionUntilItPasses() {
    // given
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.UNLIMITED, BurstPolicy.DEFAULT, ticker);

    // when
    limiter.coolDown(Duration.ofSeconds(20));
    limiter.coolDown(Duration.ofSeconds(5)); // a shorter one does not shorten it

    // then
    Admission admission = limiter.tryAcquire(10);
    assertThat(admission.outcome()).isEqualTo(Admission.Outcome.COOLING_DOWN);
    assertThat(admission.skipReason()).isEqualTo(SkipReason.COOLING_DOWN);
    assertThat(admission.waitNanos()).isEqualTo(Duration.ofSeconds(20).toNanos());
    assertThat(limiter.headroom().coolingDown()).isTrue();

    ticker.advance(Duration.ofSeconds(20));
    assertThat(limiter.tryAcquire(10).admitted()).isTrue();
    assertThat(limiter.headroom().coolingDown()).isFalse();
  }

  @Test
  void headroomReportsWhatIsAvailableNow() {
    // given 500 rpm / 150k tpm, as the tutorial gives gpt-4.1
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(500, 150_000), BurstPolicy.DEFAULT, ticker);

    // when
    limiter.tryAcquire(2_000);

    // then
    RateLimitHeadroom headroom = limiter.headroom();
    assertThat(headroom.requestsPerMinute()).isEqualTo(500);
    assertThat(headroom.requestsAvailable()).isEqualTo(49);
    assertThat(headroom.tokensAvailable()).isEqualTo(13_000);
  }

  @Test
  void rejectsNegativeEstimates() {
    ModelRateLimiter limiter = new ModelRateLimiter(MODEL, RateLimits.of(10, 10), BurstPolicy.DEFAULT, ticker);

    assertThatThrownBy(() -> limiter.tryAcquire(-1)).hasMessageContaining("estimated tokens");
    assertThatThrownBy(() -> limiter.correct(-1, 3)).hasMessageContaining("reserved and actual tokens");
  }
}
