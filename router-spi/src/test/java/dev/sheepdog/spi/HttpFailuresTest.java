package dev.sheepdog.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpFailuresTest {
  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
      "400, BAD_REQUEST",
      "401, UNAUTHORIZED",
      "402, UNAUTHORIZED",
      "403, UNAUTHORIZED",
      "404, BAD_REQUEST",
      "405, BAD_REQUEST",
      "408, UNAVAILABLE",
      "409, UNAVAILABLE",
      "413, BAD_REQUEST",
      "415, BAD_REQUEST",
      "422, BAD_REQUEST",
      "429, RATE_LIMITED",
      "451, BAD_REQUEST",
      "500, UNAVAILABLE",
      "502, UNAVAILABLE",
      "503, UNAVAILABLE",
      "504, UNAVAILABLE",
      "529, UNAVAILABLE",
      "200, UNAVAILABLE",
      "302, UNAVAILABLE"})
  void each_status_has_its_kind(int status, FailureKind kind) {
    // when
    ProviderException failure = HttpFailures.of(status, null, "status " + status, NOW);
    // then
    assertThat(HttpFailures.kindOf(status)).isEqualTo(kind);
    assertThat(failure.kind()).isEqualTo(kind);
    assertThat(failure.httpStatus()).isEqualTo(status);
    assertThat(failure.providerMessage()).isEqualTo("status " + status);
  }

  @Test
  void a_bad_request_keeps_the_upstreams_message() {
    // when
    ProviderException failure = HttpFailures.of(400, null, " prompt must not be empty\n", NOW);
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure.providerMessage()).isEqualTo("prompt must not be empty");
    assertThat(failure.getMessage()).isEqualTo("BAD_REQUEST (HTTP 400): prompt must not be empty");
    assertThat(failure.retryAfter()).isEmpty();
  }

  @Test
  void a_429_carries_the_wait_in_seconds() {
    // when
    ProviderException failure = HttpFailures.of(429, "7", "slow down", NOW);
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.retryAfter()).hasValue(Duration.ofSeconds(7));
  }

  @Test
  void a_429_carries_the_wait_until_an_http_date() {
    // given
    String in20s = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(20).atZone(ZoneOffset.UTC));
    // when
    ProviderException failure = HttpFailures.of(429, in20s, "slow down", NOW);
    // then
    assertThat(in20s).isEqualTo("Sun, 1 Jun 2025 12:00:20 GMT");
    assertThat(failure.retryAfter()).hasValue(Duration.ofSeconds(20));
  }

  @Test
  void a_429_without_retry_after_has_no_wait() {
    // when
    ProviderException failure = HttpFailures.of(429, null, "slow down", NOW);
    ProviderException unreadable = HttpFailures.of(429, "soon", "slow down", NOW);
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.retryAfter()).isEmpty();
    assertThat(unreadable.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(unreadable.retryAfter()).isEmpty();
  }

  @Test
  void only_a_429_reads_retry_after() {
    // when
    ProviderException failure = HttpFailures.of(503, "30", "down for maintenance", NOW);
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(failure.retryAfter()).isEmpty();
  }

  @Test
  void retry_after_reads_both_forms_and_never_goes_negative() {
    // when / then
    assertThat(HttpFailures.retryAfter("120", NOW)).hasValue(Duration.ofMinutes(2));
    assertThat(HttpFailures.retryAfter(" 0 ", NOW)).hasValue(Duration.ZERO);
    assertThat(HttpFailures.retryAfter("1.5", NOW)).hasValue(Duration.ofMillis(1500));
    assertThat(HttpFailures.retryAfter("Sun, 01 Jun 2025 12:01:00 GMT", NOW)).hasValue(Duration.ofMinutes(1));
    assertThat(HttpFailures.retryAfter("Sun, 01 Jun 2025 11:00:00 GMT", NOW)).hasValue(Duration.ZERO);
    assertThat(HttpFailures.retryAfter("-5", NOW)).hasValue(Duration.ZERO);
    assertThat(HttpFailures.retryAfter("-1e30", NOW)).hasValue(Duration.ZERO);
    assertThat(HttpFailures.retryAfter("1e30", NOW)).hasValue(Duration.ofNanos(Long.MAX_VALUE));
  }

  @Test
  void retry_after_ignores_what_is_absent_unreadable_or_too_long() {
    // when / then
    assertThat(HttpFailures.retryAfter(null, NOW)).isEmpty();
    assertThat(HttpFailures.retryAfter("  ", NOW)).isEmpty();
    assertThat(HttpFailures.retryAfter("in a minute", NOW)).isEmpty();
    assertThat(HttpFailures.retryAfter("NaN", NOW)).isEmpty();
    assertThat(HttpFailures.retryAfter("1" + "0".repeat(HttpFailures.MAX_RETRY_AFTER_LENGTH), NOW)).isEmpty();
  }

  @Test
  void long_messages_are_cut_and_missing_ones_are_empty() {
    // when
    ProviderException cut = HttpFailures.of(500, null, "x".repeat(2_000), NOW);
    ProviderException none = HttpFailures.of(500, null, null, NOW);
    // then
    assertThat(cut.providerMessage()).hasSize(HttpFailures.MAX_MESSAGE_LENGTH + 1).endsWith("x…");
    assertThat(none.providerMessage()).isEmpty();
    assertThat(none.getMessage()).isEqualTo("UNAVAILABLE (HTTP 500)");
  }
}
