package dev.sheepdog.state.codec;

import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.Choice;
import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Usage;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Requests and answers for the tests, plain and rich. */
public final class StateFixtures {
  private StateFixtures() {}

  /** A one-message request parked at {@code deferredAt}. */
  public static DeferredRequest request(String id, long deferredAt) {
    return new DeferredRequest(id, "idem-" + id, ChatRequest.ofUser("hello " + id),
        RouteHints.of(TaskType.SIMPLE_QA, Priority.NORMAL), deferredAt, "all models failed");
  }

  /**
   * A request with tools, multimodal content parts in a message's fields, a 30-digit integer, 0.1,
   * a literal beyond a double's range, nested maps, nulls and unicode, and every hint set.
   */
  public static DeferredRequest richRequest(String id) {
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("type", "object");
    parameters.put("properties", Map.of("city", Map.of("type", "string", "description", "Städte – 東京")));
    parameters.put("required", List.of("city"));
    Map<String, Object> tool = new LinkedHashMap<>();
    tool.put("type", "function");
    tool.put("function", Map.of("name", "weather", "parameters", parameters));

    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("content", List.of(
        Map.of("type", "text", "text", "what is this? 🐑"),
        Map.of("type", "image_url", "image_url", Map.of("url", "data:image/png;base64,iVBORw0KGgo=", "detail", "low"))));
    fields.put("name", "ålice");
    ChatMessage multimodal = new ChatMessage("user", "what is this? 🐑", fields);

    Map<String, Object> toolCallFields = new LinkedHashMap<>();
    toolCallFields.put("tool_calls", List.of(Map.of("id", "call_1", "type", "function",
        "function", Map.of("name", "weather", "arguments", "{\"city\":\"Paris\"}"))));
    ChatMessage assistant = new ChatMessage("assistant", null, toolCallFields);

    Map<String, Object> extensions = new LinkedHashMap<>();
    extensions.put("tools", List.of(tool));
    extensions.put("tool_choice", "auto");
    extensions.put("seed", new LiteralNumber("123456789012345678901234567890"));
    extensions.put("top_p", 0.1);
    extensions.put("huge", new LiteralNumber("1e400"));
    extensions.put("n", 2L);
    extensions.put("stop", null);
    extensions.put("logprobs", false);
    extensions.put("metadata", Map.of("nested", Map.of("deeper", List.of(1L, 2.5, "three", true))));

    ChatRequest request = new ChatRequest(
        List.of(ChatMessage.system("Be brief. \"Quotes\" and \\ backslashes \n newlines."), multimodal, assistant,
            new ChatMessage("tool", "{\"temp\": 21}", Map.of("tool_call_id", "call_1"))),
        0.3, 512, true, extensions);
    RouteHints hints = RouteHints.builder()
        .task(TaskType.CODE_GENERATION)
        .priority(Priority.HIGH)
        .tag("team:α")
        .tag("key:abc123")
        .maxCost(Money.ofUsd("0.25"))
        .deadline(Duration.ofSeconds(30))
        .allowDeferral(true)
        .pin(ModelId.of("gpt-4.1"), ModelId.of("deepseek-chat"))
        .requestId("req-" + id)
        .attribute("callback_url", "https://example.test/hook?x=1&y=ü")
        .build();
    return new DeferredRequest(id, "idem-" + id, request, hints, 1_767_225_600_123L, "every model failed: 503");
  }

  /** A two-choice answer with usage and extensions. */
  public static DeferredAnswer answer(String id, String content) {
    Map<String, Object> logprobs = new LinkedHashMap<>();
    logprobs.put("content", null);
    ChatResponse response = new ChatResponse(id, "gpt-4.1-2025-04-14", List.of(
        new Choice(0, ChatMessage.assistant(content), "stop", Map.of("logprobs", logprobs)),
        new Choice(1, ChatMessage.assistant("second"), "length", Map.of())),
        new Usage(12, 34), Map.of("system_fingerprint", "fp_1", "service_tier", "default"));
    return new DeferredAnswer(ModelId.of("gpt-4.1"), response, Money.ofNanos(1_234_567), 1_767_225_700_000L);
  }
}
