package dev.sheepdog.adapter.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonValueAdapterTest {
  @Test
  void numbers_round_trip_as_they_came() {
    // given
    String json = "{\"seed\":42,\"top_p\":0.9,\"big\":123456789012345678901234,\"exp\":1e-7,"
        + "\"precise\":0.12345678901234567890,\"neg\":-3,\"logit_bias\":{\"50256\":-100},\"stop\":null}";
    // when
    Object parsed = ChatCompletionCodec.parse(json, 0);
    String written = ChatCompletionCodec.toJson(parsed);
    // then
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) parsed;
    assertThat(map.get("seed")).isEqualTo(42L);
    assertThat(map.get("top_p")).isEqualTo(0.9);
    assertThat(map.get("big")).isEqualTo(new BigInteger("123456789012345678901234"));
    assertThat(map.get("precise")).isInstanceOf(BigDecimal.class);
    assertThat(written).isEqualTo("{\"seed\":42,\"top_p\":0.9,\"big\":123456789012345678901234,\"exp\":1.0E-7,"
        + "\"precise\":0.12345678901234567890,\"neg\":-3,\"logit_bias\":{\"50256\":-100},\"stop\":null}");
  }

  @Test
  void integral_doubles_from_user_code_are_written_as_integers() {
    assertThat(ChatCompletionCodec.toJson(Map.of("n", 2.0))).isEqualTo("{\"n\":2}");
    assertThat(ChatCompletionCodec.toJson(Map.of("seed", 42))).isEqualTo("{\"seed\":42}");
  }

  @Test
  void bytes_written_and_parsed_are_utf8_without_a_string_in_between() {
    // given
    Map<String, Object> value = Map.of("content", "Grüße, 東京 🐑");
    // when
    okio.ByteString bytes = ChatCompletionCodec.toJsonBytes(value);
    Object parsed = ChatCompletionCodec.parse(new okio.Buffer().write(bytes), 200);
    // then
    assertThat(bytes.utf8()).isEqualTo("{\"content\":\"Grüße, 東京 🐑\"}");
    assertThat(bytes.size()).isEqualTo(bytes.utf8().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    assertThat(parsed).isEqualTo(value);
  }
}
