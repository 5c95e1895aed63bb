package dev.sheepdog.spi;

import java.util.Map;

/**
 * One choice of an answer, or of a stream chunk (where {@code message} is the delta).
 *
 * @param finishReason {@code stop}, {@code length}, {@code tool_calls}, {@code content_filter},
 *     or {@code null} while a stream is still going
 * @param extensions members the router does not interpret ({@code logprobs}, …), kept for the
 *     gateway to return
 */
public record Choice(int index, ChatMessage message, String finishReason, Map<String, Object> extensions) {
  public Choice {
    if (index < 0) {
      throw new IllegalArgumentException("choice index must not be negative, was " + index);
    }
    Checks.notNull(message, "choice message");
    extensions = Checks.passThrough(extensions, "choice extensions");
  }
}
