package dev.sheepdog.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonNumberTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "-", "+1", "01", "-01", "1.", ".5", "1e", "1e+", "1.e5", "0x10", " 1", "1 ", "NaN",
      "Infinity", "-Infinity", "1,5", "١"})
  void only_json_number_literals_are_numbers(String literal) {
    assertThatThrownBy(() -> JsonNumber.of(literal)).isInstanceOf(NumberFormatException.class);
  }

  @Test
  void the_message_of_a_refused_literal_does_not_repeat_it() {
    assertThatThrownBy(() -> JsonNumber.of("12x" + "secret".repeat(10)))
        .hasMessageNotContaining("secret").hasMessageContaining("63 characters");
  }

  @ParameterizedTest
  @CsvSource({
      "0, 0", "-0, 0", "0.0e7, 0", "42, 42", "-42, -42", "2.9, 2", "-2.9, -2", "0.999, 0", "1.5e3, 1500",
      "15e-1, 1", "0.00012e4, 1", "123E-2, 1", "1e18, 1000000000000000000", "12.5e1, 125",
      "9223372036854775807, 9223372036854775807", "9223372036854775807.9, 9223372036854775807",
      "9223372036854775808, 9223372036854775807", "1e19, 9223372036854775807", "1e999999999, 9223372036854775807",
      "-9223372036854775808.5, -9223372036854775808", "-9223372036854775809, -9223372036854775808",
      "-1E+400, -9223372036854775808", "1e-999999999, 0", "0.000000000000000000000000001e20, 0",
      "100000000000000000000e-2, 1000000000000000000"})
  void long_value_truncates_toward_zero_and_saturates(String literal, long expected) {
    assertThat(JsonNumber.of(literal).longValue()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"3000000000, 2147483647", "-3000000000, -2147483648", "2.5, 2", "-2.5, -2", "1e400, 2147483647",
      "429.0, 429"})
  void int_value_saturates(String literal, int expected) {
    assertThat(JsonNumber.of(literal).intValue()).isEqualTo(expected);
  }

  @Test
  void double_and_float_values_are_the_nearest_or_infinite() {
    assertThat(JsonNumber.of("0.7").doubleValue()).isEqualTo(0.7);
    assertThat(JsonNumber.of("1E+400").doubleValue()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(JsonNumber.of("-1e999999999").doubleValue()).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(JsonNumber.of("1e-400").doubleValue()).isZero();
    assertThat(JsonNumber.of("12345678901234567890").floatValue()).isEqualTo(1.2345679E19f);
  }

  @Test
  void values_of_a_megabyte_literal_cost_linear_time_and_never_throw() {
    // given
    String digits = "9".repeat(1 << 20);
    JsonNumber[] numbers = {JsonNumber.of(digits), JsonNumber.of("-0." + digits), JsonNumber.of("1e" + digits),
        JsonNumber.of("1e-" + digits), JsonNumber.of(digits + "e-" + digits), JsonNumber.of("0." + "0".repeat(1 << 20) + "1")};
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long start = threads.getCurrentThreadCpuTime();
    // when
    for (JsonNumber n : numbers) {
      n.longValue();
      n.intValue();
      n.doubleValue();
      n.floatValue();
      n.hashCode();
    }
    // then
    assertThat((threads.getCurrentThreadCpuTime() - start) / 1_000_000).isLessThan(500);
    assertThat(numbers[0].longValue()).isEqualTo(Long.MAX_VALUE);
    assertThat(numbers[1].longValue()).isZero();
    assertThat(numbers[2].doubleValue()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(numbers[3].longValue()).isZero();
    assertThat(numbers[4].longValue()).isZero();
    assertThat(numbers[5].doubleValue()).isZero();
  }

  @Test
  void equal_when_the_literals_are() {
    assertThat(JsonNumber.of("1.0")).isEqualTo(JsonNumber.of("1.0")).hasSameHashCodeAs(JsonNumber.of("1.0"))
        .isNotEqualTo(JsonNumber.of("1.00")).isNotEqualTo(1.0).hasToString("1.0");
  }
}
