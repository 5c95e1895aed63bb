package dev.sheepdog.adapter.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {
  private final FailureClassifier classifier =
      new FailureClassifier("sk-secret-123456", Duration.ofSeconds(1), Duration.ofSeconds(60), Clock.systemUTC());

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
    assertThat(classifier.retryAfter(Headers.of("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"))).isZero();
    assertThat(classifier.retryAfter(Headers.of("Retry-After", "whenever"))).isEqualTo(Duration.ofSeconds(1));
    assertThat(classifier.retryAfter(Headers.of("retry-after-ms", "250.5"))).isEqualTo(Duration.ofNanos(250_500_000));
  }

  @Test
  void redacts_the_key_and_key_like_tokens() {
    assertThat(classifier.message("bad key sk-secret-123456 and sk-otherkey99")).isEqualTo("bad key [redacted] and [redacted]");
  }
}
