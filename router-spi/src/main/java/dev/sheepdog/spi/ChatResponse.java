package dev.sheepdog.spi;

import java.util.List;
import java.util.Map;

/**
 * A provider's answer.
 *
 * @param id the provider's completion id
 * @param upstreamModel the model name the provider reported
 * @param choices at least one choice
 * @param usage the tokens the provider reported, or {@code null} when it reported none
 * @param extensions top-level members the router does not interpret ({@code
 *     system_fingerprint}, {@code service_tier}, …), kept for the gateway to return
 */
public record ChatResponse(
    String id, String upstreamModel, List<Choice> choices, Usage usage, Map<String, Object> extensions) {
  public ChatResponse {
    Checks.noNulls(choices, "choices");
    if (choices.isEmpty()) {
      throw new IllegalArgumentException("choices must not be empty");
    }
    choices = List.copyOf(choices);
    extensions = Checks.passThrough(extensions, "response extensions");
  }

  /** An answer of one assistant message; handy for tests and simple providers. */
  public static ChatResponse of(String id, String model, String content, String finishReason, Usage usage) {
    return new ChatResponse(
        id, model, List.of(new Choice(0, ChatMessage.assistant(content), finishReason, Map.of())), usage, Map.of());
  }

  /** The text of the first choice, or the empty string. */
  public String content() {
    return choices.get(0).message().text();
  }

  /** The finish reason of the first choice. */
  public String finishReason() {
    return choices.get(0).finishReason();
  }
}
