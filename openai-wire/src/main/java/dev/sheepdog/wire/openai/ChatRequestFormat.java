package dev.sheepdog.wire.openai;

import com.squareup.moshi.JsonWriter;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okio.ByteString;

/**
 * A chat-completions request body: decoded from a client, checked member by member, and encoded
 * for an upstream. Every member the router does not interpret is kept in {@link
 * ChatRequest#extensions()} and sent on as it came, so {@code encode(decode(body))} is the body
 * again (with {@code model} the upstream's name, and a stream asking for usage).
 */
public final class ChatRequestFormat {
  /** Longer than any model id or route; a name past it is refused rather than echoed in an error. */
  public static final int MAX_MODEL_LENGTH = 256;

  private static final Set<String> INTERPRETED = Set.of("model", "messages", "temperature", "max_tokens", "stream");

  private ChatRequestFormat() {}

  /** What a client asked for: the {@code model} member as given (stripped), and the rest as a router request. */
  public record Incoming(String model, ChatRequest request) {}

  /**
   * Decodes a client's request body.
   *
   * @throws WireFormatException naming the member at fault, for a 400
   */
  public static Incoming decode(byte[] body) {
    if (!(WireJson.parseStrict(body) instanceof Map<?, ?> json)) {
      throw new WireFormatException("the body must be a JSON object", "invalid_json", null);
    }
    String model = model(json);
    if (!(json.get("messages") instanceof List<?> wireMessages) || wireMessages.isEmpty()) {
      throw WireFormatException.missingOrWrong("messages", "a non-empty array");
    }
    List<ChatMessage> messages = new ArrayList<>(wireMessages.size());
    for (int i = 0; i < wireMessages.size(); i++) {
      messages.add(Messages.decode(wireMessages.get(i), "messages[" + i + "]", Messages.Place.REQUEST));
    }
    Double temperature = null;
    Object t = json.get("temperature");
    if (t != null) {
      if (!(t instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= 2)) {
        throw new WireFormatException("temperature must be a number between 0 and 2", "invalid_value",
            "temperature");
      }
      temperature = n.doubleValue();
    }
    Integer maxTokens = tokens(json, "max_tokens");
    if (maxTokens == null) {
      // only for cost estimates: the member itself is forwarded as it came
      maxTokens = tokens(json, "max_completion_tokens");
    }
    Object n = json.get("n");
    if (n != null && (!(n instanceof Long choices) || choices < 1 || choices > ChatRequest.MAX_CHOICES)) {
      // forwarded as it came, but counted in cost and token estimates, so it must be a sane count
      throw new WireFormatException("n must be an integer between 1 and " + ChatRequest.MAX_CHOICES,
          "invalid_value", "n");
    }
    Object stream = json.get("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      throw WireFormatException.missingOrWrong("stream", "a boolean");
    }
    Map<String, Object> extensions = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : json.entrySet()) {
      if (!INTERPRETED.contains((String) e.getKey())) {
        extensions.put((String) e.getKey(), e.getValue());
      }
    }
    ChatRequest request = new ChatRequest(messages, temperature, maxTokens, Boolean.TRUE.equals(stream), extensions);
    return new Incoming(model, request);
  }

  /**
   * The {@code model} member of a request body: a non-blank string of at most {@value
   * #MAX_MODEL_LENGTH} characters, stripped.
   */
  static String model(Map<?, ?> json) {
    if (!(json.get("model") instanceof String name) || name.isBlank()) {
      throw WireFormatException.missingOrWrong("model", "a non-empty string");
    }
    if (name.length() > MAX_MODEL_LENGTH) {
      throw new WireFormatException("model must be at most " + MAX_MODEL_LENGTH + " characters", "invalid_value",
          "model");
    }
    return name.strip();
  }

  private static Integer tokens(Map<?, ?> json, String member) {
    Object value = json.get(member);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Long n) || n < 1 || n > Integer.MAX_VALUE) {
      throw new WireFormatException(member + " must be a positive integer", "invalid_value", member);
    }
    return n.intValue();
  }

  /**
   * The body for an upstream, in UTF-8: the router's fields, then every pass-through member as it
   * came, written straight to bytes. A stream asks for usage ({@code stream_options.include_usage}
   * true, where the client put it or last): without usage a streamed answer cannot be priced.
   */
  public static ByteString encode(String upstreamModel, ChatRequest request, boolean stream) {
    return WireJson.buffer(writer -> write(writer, upstreamModel, request, stream)).readByteString();
  }

  private static void write(JsonWriter writer, String upstreamModel, ChatRequest request, boolean stream)
      throws IOException {
    Map<String, Object> extensions = request.extensions();
    writer.beginObject();
    writer.name("model").value(upstreamModel);
    writer.name("messages").beginArray();
    for (ChatMessage message : request.messages()) {
      Messages.write(writer, message, Messages.Place.REQUEST, true);
    }
    writer.endArray();
    boolean temperature = request.temperature() != null;
    if (temperature) {
      writer.name("temperature");
      WireJson.value(writer, request.temperature());
    }
    // newer OpenAI models take max_completion_tokens and reject both being sent
    boolean maxTokens = request.maxTokens() != null && !extensions.containsKey("max_completion_tokens");
    if (maxTokens) {
      writer.name("max_tokens").value(request.maxTokens().longValue());
    }
    for (Map.Entry<String, Object> e : extensions.entrySet()) {
      String name = e.getKey();
      boolean written = switch (name) {
        case "model", "messages", "stream", "stream_options" -> true;
        case "temperature" -> temperature;
        case "max_tokens" -> maxTokens;
        default -> false;
      };
      if (!written) {
        writer.name(name);
        WireJson.value(writer, e.getValue());
      }
    }
    if (stream) {
      writer.name("stream").value(true);
      writer.name("stream_options").beginObject();
      boolean includeUsage = false;
      if (extensions.get("stream_options") instanceof Map<?, ?> given) {
        for (Map.Entry<?, ?> e : given.entrySet()) {
          String name = String.valueOf(e.getKey());
          writer.name(name);
          if (name.equals("include_usage")) {
            writer.value(true);
            includeUsage = true;
          } else {
            WireJson.value(writer, e.getValue());
          }
        }
      }
      if (!includeUsage) {
        writer.name("include_usage").value(true);
      }
      writer.endObject();
    }
    writer.endObject();
  }
}
