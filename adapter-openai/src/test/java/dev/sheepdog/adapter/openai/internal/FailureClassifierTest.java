package dev.sheepdog.adapter.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {
  private final FailureClassifier classifier =
      new FailureClassifier("sk-secret-123456", List.of(), Duration.ofSeconds(1), Duration.ofSeconds(60), Clock.systemUTC());

  @Test
  void reads_go_durations() {
    assertThat(FailureClassifier.goDuration("1s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(FailureClassifier.goDuration("6m0s")).isEqualTo(Duration.ofMinutes(6));
    assertThat(FailureClassifier.goDuration("20ms")).isEqualTo(Duration.ofMillis(20));
    assertThat(FailureClassifier.goDuration("1h2m3.5s")).isEqualTo(Duration.ofMillis(3_723_500));
    assertThat(FailureClassifier.goDuration("2")).isEqualTo(Duration.ofSeconds(2));
    assertThat(FailureClassifier.goDuration("soon")).isNull();
  }

  @Test
  void a_wait_in_the_past_is_zero_and_garbage_gets_the_default() {
    assertThat(classifier.retryAfter(Headers.of("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")::get)).isZero();
    assertThat(classifier.retryAfter(Headers.of("Retry-After", "whenever")::get)).isEqualTo(Duration.ofSeconds(1));
    assertThat(classifier.retryAfter(Headers.of("retry-after-ms", "250.5")::get)).isEqualTo(Duration.ofNanos(250_500_000));
  }

  @Test
  void redacts_the_key_and_key_like_tokens() {
    assertThat(classifier.message("bad key sk-secret-123456 and sk-otherkey99")).isEqualTo("bad key [redacted] and [redacted]");
  }

  @Test
  void masks_configured_values_of_eight_characters_or_more_literally_and_as_json_and_urls_encode_them() {
    // given
    FailureClassifier masking = new FailureClassifier("d41d8cd98f00b204e9800998ecf8427e",
        List.of("org-1", "tenant/a+b=secret", "d41d8cd98f00b204"), Duration.ofSeconds(1), Duration.ofSeconds(60),
        Clock.systemUTC());
    // when
    String message = masking.message("org-1 d41d8cd98f00b204e9800998ecf8427e d41d8cd98f00b204 tenant/a+b=secret "
        + "tenant\\/a+b=secret tenant%2Fa%2Bb%3Dsecret tenant%2fa%2bb%3dsecret");
    // then
    assertThat(message).isEqualTo("org-1 [redacted] [redacted] [redacted] [redacted] [redacted] [redacted]");
  }

  @Test
  void a_transport_failure_loses_the_cause_that_mentions_a_secret_even_suppressed() {
    // given
    IOException suppressed = new IOException("connect to https://proxy/?key=d41d8cd98f00b204e9800998ecf8427e");
    IOException failure = new IOException("reset", new IOException("below"));
    failure.getCause().addSuppressed(suppressed);
    FailureClassifier masking = new FailureClassifier("d41d8cd98f00b204e9800998ecf8427e", List.of(),
        Duration.ofSeconds(1), Duration.ofSeconds(60), Clock.systemUTC());
    // when
    ProviderException clean = masking.fromTransport(failure, false);
    ProviderException harmless = masking.fromTransport(new IOException("reset", new IOException("below")), false);
    // then
    assertThat(clean.getCause()).isNull();
    assertThat(harmless.getCause()).hasMessage("reset");
  }

  @Test
  void scrubbing_a_failure_made_elsewhere_keeps_its_kind_status_and_wait() {
    // given
    ProviderException made = new ProviderException(FailureKind.RATE_LIMITED, 429, "slow down, sk-secret-123456",
        Duration.ofSeconds(3), new IllegalStateException("sk-secret-123456"));
    ProviderException clean = new ProviderException(FailureKind.RATE_LIMITED, 429, "slow down");
    // when
    ProviderException scrubbed = classifier.scrubbed(made);
    // then
    assertThat(scrubbed.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(scrubbed.httpStatus()).isEqualTo(429);
    assertThat(scrubbed.retryAfter()).contains(Duration.ofSeconds(3));
    assertThat(scrubbed.providerMessage()).isEqualTo("slow down, [redacted]");
    assertThat(scrubbed.getCause()).isNull();
    assertThat(classifier.scrubbed(clean)).isSameAs(clean);
  }

  @Test
  void huge_reset_durations_are_ignored_in_linear_time() {
    // given: go durations were matched by a pattern that backtracks from every start position
    String digits = "9".repeat(20_000);
    Headers headers = Headers.of("x-ratelimit-reset-requests", digits, "x-ratelimit-reset-tokens", "1" + digits + "x");
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long start = threads.getCurrentThreadCpuTime();
    // when
    Duration wait = classifier.retryAfter(headers::get);
    // then
    assertThat((threads.getCurrentThreadCpuTime() - start) / 1_000_000).isLessThan(500);
    assertThat(wait).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void a_wait_longer_than_64_characters_is_not_read() {
    assertThat(classifier.retryAfter(Headers.of("retry-after-ms", "9".repeat(65), "Retry-After", "2")::get))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(classifier.retryAfter(Headers.of("Retry-After", "0".repeat(60) + "3")::get)).isEqualTo(Duration.ofSeconds(3));
  }
}
