package dev.sheepdog.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.Choice;
import dev.sheepdog.spi.Usage;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The answers and chunks the gateway writes, member by member and in order, as UTF-8. */
class ChatAnswerFormatTest {
  @Test
  void an_answer_keeps_the_upstream_members_the_gateway_does_not_set_in_their_order() {
    // given an upstream answer whose extra members clash with the gateway's own, parts as content, a null finish
    Map<String, Object> extensions = ordered("system_fingerprint", "fp_1", "model", "upstream-name", "object",
        "other", "service_tier", null);
    ChatMessage message = new ChatMessage("assistant", "Grüße 🐑",
        ordered("refusal", null, "content", List.of(ordered("type", "text", "text", "Grüße 🐑")), "role", "x"));
    Choice choice = new Choice(0, message, null, ordered("logprobs", null, "index", 7, "message", "x"));
    ChatResponse response = new ChatResponse(null, "upstream-name", List.of(choice), null, extensions);
    // when
    byte[] json = ChatAnswerFormat.encodeAnswer(response, "chatcmpl-req-1", "model-a", 1_700_000_000L,
        new Usage(11, 5));
    // then
    assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"chatcmpl-req-1\","
        + "\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"model-a\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Grüße 🐑\"}],"
        + "\"refusal\":null},\"finish_reason\":null,\"logprobs\":null}],"
        + "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5,\"total_tokens\":16},"
        + "\"system_fingerprint\":\"fp_1\",\"service_tier\":null}");
  }

  @Test
  void a_chunk_without_usage_forwards_an_upstream_usage_member_and_one_with_usage_writes_its_own() {
    // given
    Choice delta = new Choice(0, new ChatMessage("assistant", "Hel", Map.of()), null, Map.of());
    ChatChunk withoutUsage = new ChatChunk("chatcmpl-up", null, List.of(delta), null,
        ordered("usage", null, "obfuscation", "x"));
    ChatChunk withUsage = new ChatChunk(null, null, List.of(), new Usage(3, 4), ordered("usage", "ignored"));
    // when
    ChatAnswerFormat.StreamEncoder encoder = new ChatAnswerFormat.StreamEncoder("chatcmpl-req-1", 5);
    String first = encoder.encode("model-a", withoutUsage);
    String last = encoder.encode("model-a", withUsage);
    // then
    assertThat(first).isEqualTo("{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"created\":5,"
        + "\"model\":\"model-a\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},"
        + "\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"x\"}");
    assertThat(last).isEqualTo("{\"id\":\"chatcmpl-req-1\",\"object\":\"chat.completion.chunk\",\"created\":5,"
        + "\"model\":\"model-a\",\"choices\":[],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}");
  }

  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
