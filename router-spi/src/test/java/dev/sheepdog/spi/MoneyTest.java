package dev.sheepdog.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class MoneyTest {

  @Test
  void parses_dollar_amounts_to_nano_dollars() {
    assertThat(Money.ofUsd("0.0025")).isEqualTo(Money.ofNanos(2_500_000));
    assertThat(Money.ofUsd("12")).isEqualTo(Money.ofNanos(12_000_000_000L));
    assertThat(Money.ofUsd("-1.5")).isEqualTo(Money.ofNanos(-1_500_000_000L));
    assertThat(Money.ofUsd("+0.000000001")).isEqualTo(Money.ofNanos(1));
    assertThat(Money.ofUsd("1e-3")).isEqualTo(Money.ofNanos(1_000_000));
    assertThat(Money.ofUsd("2.50E+1")).isEqualTo(Money.ofNanos(25_000_000_000L));
    assertThat(Money.ofUsd("0.100000000000")).as("trailing zeros below a nano-dollar are exact")
        .isEqualTo(Money.ofNanos(100_000_000));
    assertThat(Money.ofUsd(".5")).isEqualTo(Money.ofNanos(500_000_000));
  }

  @Test
  void a_huge_exponent_fails_fast_with_a_short_message() {
    // when / then
    assertThatThrownBy(() -> Money.ofUsd("1e999999999"))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
  }

  @Test
  void a_million_digits_fail_fast_with_a_short_message() {
    // given
    String digits = "9".repeat(1_000_000);
    // when / then
    assertThatThrownBy(() -> Money.ofUsd(digits))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
  }

  @Test
  void a_huge_big_decimal_fails_fast_with_a_short_message() {
    // given
    BigDecimal huge = new BigDecimal("1e999999999");
    // when / then
    assertThatThrownBy(() -> Money.ofUsd(huge))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
  }

  @Test
  void a_big_decimal_with_many_digits_fails_with_a_short_message() {
    // given
    BigDecimal digits = new BigDecimal("9".repeat(10_000));
    BigDecimal tiny = new BigDecimal("1e-999999999");
    // when / then
    assertThatThrownBy(() -> Money.ofUsd(digits))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    assertThatThrownBy(() -> Money.ofUsd(tiny))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
  }

  @Test
  void rejects_what_is_not_a_dollar_amount_and_says_why() {
    assertThatThrownBy(() -> Money.ofUsd("0.0000000001"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nano-dollar");
    assertThatThrownBy(() -> Money.ofUsd("10000000000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large");
    assertThatThrownBy(() -> Money.ofUsd("12 USD"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("12 USD");
    assertThatThrownBy(() -> Money.ofUsd("NaN")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Money.ofUsd("1e5e5")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Money.ofUsd("-")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Money.ofUsd(".")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Money.ofUsd("1e")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Money.ofUsd(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void a_long_input_is_quoted_by_a_bounded_prefix_only() {
    // given
    String junk = "x".repeat(100_000);
    // when / then
    assertThatThrownBy(() -> Money.ofUsd(junk))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).contains("xxxx").contains("100000"));
  }

  @Test
  void prices_parse_within_the_same_bounds() {
    assertThat(Price.perMillion("0.42", "1.68")).isEqualTo(new Price(420, 1_680));
    assertThatThrownBy(() -> Price.perMillion("1e999999999", "1"))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).contains("input price"));
    assertThatThrownBy(() -> Price.perMillion(new BigDecimal("1"), new BigDecimal("1e999999999")))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).contains("output price"));
    assertThatThrownBy(() -> Price.perMillion("0.0001", "1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("three decimals");
  }

  @Test
  void an_unknown_model_is_quoted_by_a_bounded_prefix() {
    // given
    ModelCatalog catalog = ModelCatalog.of(ModelSpec.builder("a", "p").build());
    ModelId long_ = ModelId.of("m".repeat(100_000));
    // when / then
    assertThatThrownBy(() -> catalog.require(long_))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
  }
}
