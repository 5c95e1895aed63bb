package dev.sheepdog.wire.openai;

import com.squareup.moshi.JsonWriter;
import dev.sheepdog.spi.ChatMessage;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A message in OpenAI's shape, the same way in requests, answers and stream deltas.
 *
 * <p>A wire {@code content} that is not a plain string (an array of parts, or an explicit {@code
 * null}) is kept verbatim in the message's fields under {@code content}, and written back instead
 * of the text; the text of an array is its text parts, for token estimates. So a message reads
 * back as it was written, member for member.
 */
final class Messages {
  private static final String CONTENT = "content";
  private static final String ROLE = "role";

  private Messages() {}

  /** Where a message is: which members are required, and which are written when absent. */
  enum Place {
    /** In a request: a role is required; content absent stays absent. */
    REQUEST,
    /** In an answer: the role defaults to assistant; content is always written, null when absent. */
    ANSWER,
    /** In a stream delta: only what the delta carries; the role is written by the caller's choice. */
    DELTA
  }

  /**
   * Decodes a message; {@code path} names it in errors, such as {@code messages[2]}.
   *
   * @throws WireFormatException when it is not an object, or a request's message has no role
   */
  static ChatMessage decode(Object wire, String path, Place place) {
    if (!(wire instanceof Map<?, ?> json)) {
      throw WireFormatException.missingOrWrong(path, "an object");
    }
    Object role = json.get(ROLE);
    String name;
    if (role instanceof String given && !given.isBlank()) {
      name = given;
    } else if (place == Place.REQUEST || role != null) {
      throw WireFormatException.missingOrWrong(path + ".role", "a non-empty string");
    } else {
      // stream deltas name the role only in their first chunk
      name = "assistant";
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : json.entrySet()) {
      if (!ROLE.equals(e.getKey()) && !CONTENT.equals(e.getKey())) {
        fields.put((String) e.getKey(), e.getValue());
      }
    }
    Object content = json.get(CONTENT);
    if (content instanceof String text) {
      return new ChatMessage(name, text, fields);
    }
    if (content == null) {
      if (json.containsKey(CONTENT)) {
        fields.put(CONTENT, null);
      }
      return new ChatMessage(name, null, fields);
    }
    if (content instanceof List<?> parts) {
      fields.put(CONTENT, parts);
      return new ChatMessage(name, textOf(parts), fields);
    }
    throw WireFormatException.missingOrWrong(path + ".content", "a string, an array of parts or null");
  }

  /** The text parts of an array of content parts, joined. */
  private static String textOf(List<?> parts) {
    StringBuilder text = new StringBuilder();
    for (Object part : parts) {
      if (part instanceof Map<?, ?> p && p.get("text") instanceof String s) {
        text.append(s);
      }
    }
    return text.toString();
  }

  /** Writes a message; {@code withRole} is ignored outside deltas, where the role is always written. */
  static void write(JsonWriter writer, ChatMessage message, Place place, boolean withRole) throws IOException {
    writer.beginObject();
    if (place != Place.DELTA || withRole) {
      writer.name(ROLE).value(message.role());
    }
    Map<String, Object> fields = message.fields();
    if (fields.containsKey(CONTENT)) {
      writer.name(CONTENT);
      WireJson.value(writer, fields.get(CONTENT));
    } else if (message.content() != null) {
      writer.name(CONTENT).value(message.content());
    } else if (place == Place.ANSWER) {
      writer.name(CONTENT).nullValue();
    }
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      String name = e.getKey();
      if (!name.equals(ROLE) && !name.equals(CONTENT)) {
        writer.name(name);
        WireJson.value(writer, e.getValue());
      }
    }
    writer.endObject();
  }
}
