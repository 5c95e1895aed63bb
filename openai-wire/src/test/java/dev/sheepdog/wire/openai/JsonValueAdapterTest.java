package dev.sheepdog.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.squareup.moshi.JsonDataException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import okio.Buffer;
import okio.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonValueAdapterTest {
  /** Far above what linear work on these inputs costs, far below the seconds it cost before. */
  private static final long CPU_BUDGET_MILLIS = 500;

  @Test
  void numbers_round_trip_as_they_came() {
    // given
    String json = "{\"seed\":42,\"top_p\":0.9,\"big\":123456789012345678901234,\"exp\":1e-7,\"exp2\":1.0E-7,"
        + "\"precise\":0.12345678901234567890,\"neg\":-3,\"logit_bias\":{\"50256\":-100},\"stop\":null}";
    // when
    Object parsed = WireJson.parse(json);
    String written = WireJson.write(parsed);
    // then
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) parsed;
    assertThat(map.get("seed")).isEqualTo(42L);
    assertThat(map.get("top_p")).isEqualTo(0.9);
    assertThat(map.get("big")).isEqualTo(JsonNumber.of("123456789012345678901234"));
    assertThat(map.get("exp")).isEqualTo(JsonNumber.of("1e-7"));
    assertThat(map.get("exp2")).isEqualTo(1.0e-7);
    assertThat(map.get("precise")).isEqualTo(JsonNumber.of("0.12345678901234567890"));
    assertThat(written).isEqualTo(json);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.7", "1.0", "-0", "-0.0", "0", "1E+400", "1e-400", "12345678901234567890",
      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "42",
      "1e2", "100.00", "2.5E3", "-1.5e-10", "0.30000000000000004", "1.0E20", "4.9E-324"})
  void every_literal_is_written_back_as_it_came(String literal) {
    // given
    String json = "{\"n\":" + literal + ",\"in\":[" + literal + "]}";
    // when
    String written = WireJson.write(WireJson.parse(json));
    // then
    assertThat(written).isEqualTo(json);
  }

  @Test
  void integers_that_fit_a_long_and_decimals_a_double_prints_back_keep_their_types() {
    // when
    Object parsed = WireJson.parse(
        "[42,-9223372036854775808,9223372036854775807,0.2,1.0E-7,-0,1.0,1e-7,9223372036854775808]");
    // then
    assertThat(parsed).isEqualTo(List.of(42L, Long.MIN_VALUE, Long.MAX_VALUE, 0.2, 1.0e-7, JsonNumber.of("-0"),
        JsonNumber.of("1.0"), JsonNumber.of("1e-7"), JsonNumber.of("9223372036854775808")));
  }

  @Test
  void a_megabyte_integer_costs_linear_time_and_round_trips_byte_for_byte() {
    assertParsedQuicklyAndWrittenBack("{\"seed\":" + "9".repeat(1 << 20) + "}");
  }

  @Test
  void a_megabyte_decimal_costs_linear_time_and_round_trips_byte_for_byte() {
    assertParsedQuicklyAndWrittenBack("{\"top_p\":0." + "3".repeat(1 << 20) + "}");
  }

  @Test
  void a_huge_exponent_costs_linear_time_and_round_trips_byte_for_byte() {
    assertParsedQuicklyAndWrittenBack("{\"seed\":1e999999999,\"tiny\":-1E-999999999,\"long\":1e" + "9".repeat(1 << 20) + "}");
  }

  @Test
  void eight_megabytes_of_digits_or_whitespace_cost_linear_time() {
    // Moshi indexes its buffer byte by byte while it scans a literal; over a buffer holding the
    // whole document each index walked the buffer's segments
    assertParsedQuicklyAndWrittenBack("[" + "7".repeat(8 << 20) + "]");
    ByteString spaced = ByteString.encodeUtf8("[" + " ".repeat(8 << 20) + "1]");
    assertThat(cpuMillis(() -> WireJson.parse(new Buffer().write(spaced)))).isLessThan(CPU_BUDGET_MILLIS);
  }

  @Test
  void the_answers_counts_and_indexes_read_from_literals_without_converting_them_whole() {
    // given
    String usage = "{\"prompt_tokens\":" + "9".repeat(1 << 20) + ",\"completion_tokens\":7.0}";
    String json = "{\"choices\":[{\"index\":1e0,\"message\":{\"content\":\"x\"}}],\"usage\":" + usage + "}";
    // when
    Supplier<dev.sheepdog.spi.ChatResponse> decode = () ->
        ChatAnswerFormat.decodeAnswer(WireJson.parse(json));
    long cpu = cpuMillis(decode::get);
    dev.sheepdog.spi.ChatResponse response = decode.get();
    // then
    assertThat(cpu).isLessThan(CPU_BUDGET_MILLIS);
    assertThat(response.usage().promptTokens()).isEqualTo(Long.MAX_VALUE);
    assertThat(response.usage().completionTokens()).isEqualTo(7);
    assertThat(response.choices().get(0).index()).isEqualTo(1);
  }

  @Test
  void the_strict_adapter_refuses_a_member_named_twice_and_names_it() {
    assertThatThrownBy(() -> strict("{\"model\":\"cheap\",\"messages\":[],\"model\":\"dear\"}"))
        .isInstanceOf(JsonDataException.class).hasMessage("duplicate member name \"model\"");
    assertThatThrownBy(() -> strict("{\"messages\":[{\"role\":\"user\",\"content\":null,\"content\":\"hi\"}]}"))
        .isInstanceOf(JsonDataException.class).hasMessage("duplicate member name \"content\"");
  }

  @Test
  void the_strict_adapter_shows_at_most_64_characters_of_the_name_and_nothing_else_of_the_input() {
    // given
    String name = "n\n" + "x".repeat(61) + "🐑" + "y".repeat(10_000);
    String json = "{\"" + name + "\":\"first value\",\"" + name + "\":\"second value\"}";
    // when
    Throwable refused = catchThrowable(() -> strict(json));
    // then
    assertThat(refused).isInstanceOf(JsonDataException.class)
        .hasMessage("duplicate member name \"n?" + "x".repeat(61) + "…\"");
    assertThat(refused.getMessage()).doesNotContain("value", "y", "\n");
  }

  @Test
  void the_strict_adapter_accepts_one_name_in_different_objects() throws Exception {
    assertThat(strict("{\"a\":{\"x\":1},\"b\":{\"x\":2},\"c\":[{\"x\":3},{\"x\":4}]}")).isEqualTo(
        Map.of("a", Map.of("x", 1L), "b", Map.of("x", 2L), "c", List.of(Map.of("x", 3L), Map.of("x", 4L))));
  }

  @Test
  void upstream_answers_stay_lenient_and_keep_the_last_of_a_member_named_twice() {
    // when
    Object parsed = WireJson.parse("{\"id\":\"a\",\"usage\":null,\"id\":\"b\"}");
    // then
    Map<String, Object> expected = new java.util.LinkedHashMap<>();
    expected.put("id", "b");
    expected.put("usage", null);
    assertThat(parsed).isEqualTo(expected);
  }

  @Test
  void integral_doubles_from_user_code_are_written_as_integers() {
    assertThat(WireJson.write(Map.of("n", 2.0))).isEqualTo("{\"n\":2}");
    assertThat(WireJson.write(Map.of("seed", 42))).isEqualTo("{\"seed\":42}");
    assertThat(WireJson.write(Map.of("t", 0.7))).isEqualTo("{\"t\":0.7}");
  }

  @Test
  void bytes_written_and_parsed_are_utf8_without_a_string_in_between() {
    // given
    Map<String, Object> value = Map.of("content", "Grüße, 東京 🐑");
    // when
    ByteString bytes = ByteString.of(WireJson.toBytes(value));
    Object parsed = WireJson.parse(new Buffer().write(bytes));
    // then
    assertThat(bytes.utf8()).isEqualTo("{\"content\":\"Grüße, 東京 🐑\"}");
    assertThat(bytes.size()).isEqualTo(bytes.utf8().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    assertThat(parsed).isEqualTo(value);
  }

  private static Object strict(String json) throws IOException {
    return JsonValueAdapter.STRICT.fromJson(JsonValueAdapter.reader(new Buffer().writeUtf8(json)));
  }

  private static void assertParsedQuicklyAndWrittenBack(String json) {
    // given
    ByteString input = ByteString.encodeUtf8(json);
    Object[] parsed = new Object[1];
    ByteString[] written = new ByteString[1];
    // when
    long cpu = cpuMillis(() -> {
      parsed[0] = WireJson.parse(new Buffer().write(input));
      written[0] = ByteString.of(WireJson.toBytes(parsed[0]));
    });
    // then
    assertThat(cpu).as("CPU milliseconds to parse and write %s bytes", input.size()).isLessThan(CPU_BUDGET_MILLIS);
    assertThat(written[0].equals(input)).as("written back byte for byte").isTrue();
  }

  private static long cpuMillis(Runnable work) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long start = threads.getCurrentThreadCpuTime();
    work.run();
    return (threads.getCurrentThreadCpuTime() - start) / 1_000_000;
  }
}
