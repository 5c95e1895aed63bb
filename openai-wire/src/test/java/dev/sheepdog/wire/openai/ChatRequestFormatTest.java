package dev.sheepdog.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Requests built in code, as an upstream receives them, and client bodies the decoder refuses. */
class ChatRequestFormatTest {
  private static final ChatMessage HI = new ChatMessage("user", "hi", Map.of());

  @Test
  void the_router_fields_come_first_then_every_pass_through_member_in_its_order() {
    // given
    ChatRequest request = new ChatRequest(List.of(new ChatMessage("user", "Grüße 🐑", Map.of())), 0.7, 64, false,
        ordered("seed", 42L, "user", "u1"));
    // when
    String json = ChatRequestFormat.encode("gpt-4.1", request, false).utf8();
    // then
    assertThat(json).isEqualTo("{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"Grüße 🐑\"}],"
        + "\"temperature\":0.7,\"max_tokens\":64,\"seed\":42,\"user\":\"u1\"}");
  }

  @Test
  void members_the_router_owns_are_not_sent_twice_and_a_stream_asks_for_usage() {
    // given
    ChatRequest request = new ChatRequest(List.of(HI), 0.5, 10, false, ordered("model", "x", "messages", List.of(),
        "temperature", 2, "stream", true, "stream_options", ordered("include_usage", false, "other", "x"), "stop",
        Arrays.asList("\n", null)));
    // when
    String plain = ChatRequestFormat.encode("m", request, false).utf8();
    String streamed = ChatRequestFormat.encode("m", request, true).utf8();
    // then
    String common = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.5,"
        + "\"max_tokens\":10,\"stop\":[\"\\n\",null]";
    assertThat(plain).isEqualTo(common + "}");
    assertThat(streamed).isEqualTo(common + ",\"stream\":true,\"stream_options\":{\"include_usage\":true,"
        + "\"other\":\"x\"}}");
  }

  @Test
  void max_completion_tokens_given_keeps_the_router_cap_out_of_max_tokens() {
    // given
    ChatRequest request = new ChatRequest(List.of(HI), null, 100, false, ordered("max_completion_tokens", 50L));
    // when
    String json = ChatRequestFormat.encode("m", request, true).utf8();
    // then
    assertThat(json).isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"max_completion_tokens\":50,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
  }

  @Test
  void parts_tool_calls_and_a_content_made_null_in_code_are_sent_as_openai_expects() {
    // given
    List<Object> parts = List.of(ordered("type", "text", "text", "What is this?"),
        ordered("type", "image_url", "image_url", Map.of("url", "https://example.com/a.png")));
    ChatRequest request = new ChatRequest(List.of(
        new ChatMessage("user", "What is this?", ordered("content", parts, "name", "ann")),
        new ChatMessage("assistant", null, ordered("tool_calls", List.of(Map.of("id", "call_1")), "role", "x")),
        new ChatMessage("tool", "42", Map.of("tool_call_id", "call_1"))), null, null, false, Map.of());
    // when
    String json = ChatRequestFormat.encode("m", request, false).utf8();
    // then: parts instead of their text; no content member for the assistant; a role in fields is not sent
    assertThat(json).isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
        + "\"text\":\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}],"
        + "\"name\":\"ann\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1\"}]},"
        + "{\"role\":\"tool\",\"content\":\"42\",\"tool_call_id\":\"call_1\"}]}");
  }

  @Test
  void a_decoded_request_has_its_text_for_estimates_and_its_model_stripped() {
    // when
    ChatRequestFormat.Incoming incoming = decode("{\"model\":\" gpt-4.1 \",\"messages\":[{\"role\":\"user\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}},"
        + "{\"type\":\"text\",\"text\":\"b\"}]}],\"max_completion_tokens\":7,\"n\":3,\"stream\":true}");
    // then
    assertThat(incoming.model()).isEqualTo("gpt-4.1");
    assertThat(incoming.request().messages().get(0).content()).isEqualTo("ab");
    assertThat(incoming.request().maxTokens()).isEqualTo(7);
    assertThat(incoming.request().choices()).isEqualTo(3);
    assertThat(incoming.request().stream()).isTrue();
    assertThat(incoming.request().extensions()).containsOnlyKeys("max_completion_tokens", "n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "[]                                                                   | invalid_json  |",
      "{\"model\":\"a\"} trailing                                           | invalid_json  |",
      "{\"model\":\"a\",\"model\":\"b\",\"messages\":[]}                    | invalid_json  |",
      "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}               | invalid_value | model",
      "{\"model\":\" \",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | invalid_value | model",
      "{\"model\":\"a\",\"messages\":[]}                                    | invalid_value | messages",
      "{\"model\":\"a\",\"messages\":[{\"role\":\"user\"},{\"content\":\"x\"}]} | invalid_value | messages[1].role",
      "{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":7}]}   | invalid_value | messages[0].content",
      "{\"model\":\"a\",\"messages\":[\"hi\"]}                              | invalid_value | messages[0]",
      "{\"model\":\"a\",\"messages\":[{\"role\":\"user\"}],\"temperature\":2.5} | invalid_value | temperature",
      "{\"model\":\"a\",\"messages\":[{\"role\":\"user\"}],\"max_tokens\":0} | invalid_value | max_tokens",
      "{\"model\":\"a\",\"messages\":[{\"role\":\"user\"}],\"max_completion_tokens\":1.5} | invalid_value | max_completion_tokens",
      "{\"model\":\"a\",\"messages\":[{\"role\":\"user\"}],\"n\":129}        | invalid_value | n",
      "{\"model\":\"a\",\"messages\":[{\"role\":\"user\"}],\"stream\":\"yes\"} | invalid_value | stream",
  })
  void a_body_that_is_not_a_request_is_refused_naming_the_member(String body, String code, String param) {
    // when
    WireFormatException refused = catchThrowableOfType(WireFormatException.class, () -> decode(body));
    // then
    assertThat(refused).isNotNull();
    assertThat(refused.code()).isEqualTo(code);
    assertThat(refused.param()).isEqualTo(param);
  }

  @Test
  void a_model_name_past_the_limit_is_refused_without_being_echoed() {
    // given
    String name = "m".repeat(ChatRequestFormat.MAX_MODEL_LENGTH + 1);
    // when
    WireFormatException refused = catchThrowableOfType(WireFormatException.class,
        () -> decode("{\"model\":\"" + name + "\",\"messages\":[{\"role\":\"user\"}]}"));
    // then
    assertThat(refused.getMessage()).doesNotContain(name).contains("at most 256 characters");
  }

  private static ChatRequestFormat.Incoming decode(String body) {
    return ChatRequestFormat.decode(body.getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
