package dev.sheepdog.spi;

import java.util.List;
import java.util.Map;

/**
 * One event of a streamed answer. Choices carry deltas; the last chunk of a stream that asked for
 * usage carries {@code usage} and often no choices.
 */
public record ChatChunk(
    String id, String upstreamModel, List<Choice> choices, Usage usage, Map<String, Object> extensions) {
  public ChatChunk {
    Checks.noNulls(choices, "chunk choices");
    choices = List.copyOf(choices);
    extensions = Checks.passThrough(extensions, "chunk extensions");
  }

  /** A chunk with one text delta; handy for tests and simple providers. */
  public static ChatChunk ofText(String id, String model, String delta, String finishReason) {
    return new ChatChunk(
        id,
        model,
        List.of(new Choice(0, new ChatMessage("assistant", delta, Map.of()), finishReason, Map.of())),
        null,
        Map.of());
  }

  /** The text delta of the first choice, or the empty string. */
  public String text() {
    return choices.isEmpty() ? "" : choices.get(0).message().text();
  }

  /** The finish reason of the first choice, or {@code null}. */
  public String finishReason() {
    return choices.isEmpty() ? null : choices.get(0).finishReason();
  }
}
