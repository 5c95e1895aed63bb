package dev.sheepdog.adapter.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The request body written straight to bytes is the JSON of {@code encode}'s map, byte for byte. */
class RequestBytesTest {
  private static final ModelSpec MODEL = ModelSpec.builder("m1", "openai").upstreamName("upstream-one").build();

  static List<Arguments> requests() {
    List<Object> parts = List.of(Map.of("type", "text", "text", "What is this?"),
        Map.of("type", "image_url", "image_url", Map.of("url", "https://example.com/a.png")));
    return List.of(
        Arguments.of("plain", new ChatRequest(List.of(new ChatMessage("user", "Grüße 🐑", Map.of())), 0.7, 64, false,
            Map.of())),
        Arguments.of("no temperature or max_tokens, members given for them", new ChatRequest(
            List.of(new ChatMessage("user", "hi", Map.of())), null, null, false,
            ordered("temperature", 1, "seed", 42, "max_tokens", 9))),
        Arguments.of("max_completion_tokens wins over max_tokens", new ChatRequest(
            List.of(new ChatMessage("user", "hi", Map.of())), 0.2, 100, false,
            ordered("max_completion_tokens", 50, "max_tokens", 7, "top_p", 0.9))),
        Arguments.of("members the router owns are not sent twice", new ChatRequest(
            List.of(new ChatMessage("user", "hi", Map.of())), 0.5, 10, false,
            ordered("model", "x", "messages", List.of(), "temperature", 2, "stream", true, "stream_options",
                Map.of("include_usage", false), "stop", Arrays.asList("\n", null)))),
        Arguments.of("messages with parts, tool calls and a null content", new ChatRequest(List.of(
            new ChatMessage("user", "What is this?", ordered("content", parts, "name", "ann")),
            new ChatMessage("assistant", null, ordered("tool_calls", List.of(Map.of("id", "call_1")), "role", "x")),
            new ChatMessage("tool", "42", Map.of("tool_call_id", "call_1"))), null, null, false, Map.of())),
        Arguments.of("stream options kept in their order, include_usage forced true", new ChatRequest(
            List.of(new ChatMessage("user", "hi", Map.of())), 0.7, 64, true,
            ordered("stream_options", ordered("include_usage", false, "other", "x"), "stream", false, "user", "u1"))),
        Arguments.of("stream without options", new ChatRequest(
            List.of(new ChatMessage("user", "hi", Map.of())), null, 5, true, ordered("n", 1))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void bytes_match_the_map_encoding(String name, ChatRequest request) {
    for (boolean stream : new boolean[] {false, true}) {
      // when
      String direct = ChatCompletionCodec.requestBytes(MODEL, request, stream).utf8();
      String viaMap = ChatCompletionCodec.toJson(ChatCompletionCodec.encode(MODEL, request, stream));
      // then
      assertThat(direct).as("stream=" + stream).isEqualTo(viaMap);
    }
  }

  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
