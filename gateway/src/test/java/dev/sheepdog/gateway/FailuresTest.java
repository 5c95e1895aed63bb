package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailuresTest {

  @Test
  void key_shaped_text_is_masked() {
    // given
    String message = "Incorrect API key provided: sk-proj-AbC123xyz789. Also Bearer abcdef0123456789.";
    // when
    String masked = Failures.mask(message);
    // then
    assertThat(masked).doesNotContain("AbC123xyz789", "abcdef0123456789").contains("Incorrect API key provided");
  }

  @Test
  void ordinary_words_that_start_like_keys_are_kept() {
    // given
    String message = "tokens_per_minute exceeded for keyboard_layout; max_tokens is too large";
    // when
    String masked = Failures.mask(message);
    // then
    assertThat(masked).isEqualTo(message);
  }
}
