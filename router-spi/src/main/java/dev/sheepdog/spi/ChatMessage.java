package dev.sheepdog.spi;

import java.util.Map;

/**
 * One message of a conversation.
 *
 * @param role {@code system}, {@code developer}, {@code user}, {@code assistant} or {@code tool}
 *     (any non-blank role is accepted and forwarded)
 * @param content the text of the message; {@code null} when the message carries only other
 *     members (an assistant message with {@code tool_calls}). When the wire content was an array
 *     of parts, this holds the concatenated text parts and {@code fields} keeps the array under
 *     {@code content}, which adapters send instead.
 * @param fields every other member of the message as it came ({@code name}, {@code tool_calls},
 *     {@code tool_call_id}, …), forwarded unchanged
 */
public record ChatMessage(String role, String content, Map<String, Object> fields) {
  public ChatMessage {
    Checks.notBlank(role, "message role");
    fields = Checks.passThrough(fields, "message fields");
  }

  public static ChatMessage system(String content) {
    return new ChatMessage("system", content, Map.of());
  }

  public static ChatMessage user(String content) {
    return new ChatMessage("user", content, Map.of());
  }

  public static ChatMessage assistant(String content) {
    return new ChatMessage("assistant", content, Map.of());
  }

  /** The text used for token estimates; never {@code null}. */
  public String text() {
    return content == null ? "" : content;
  }
}
