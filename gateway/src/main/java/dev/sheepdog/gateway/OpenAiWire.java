package dev.sheepdog.gateway;

import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.Choice;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Usage;
import com.squareup.moshi.JsonWriter;
import dev.sheepdog.adapter.openai.JsonValueAdapter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** OpenAI's chat-completions shapes, to and from the router's records. */
final class OpenAiWire {
  private static final Set<String> INTERPRETED = Set.of("model", "messages", "temperature", "max_tokens", "stream");
  /** Longer than any model id or route; a name past it is refused rather than echoed in an error. */
  static final int MAX_MODEL_LENGTH = 256;
  /** OpenAI's own limit on {@code n}. */
  static final int MAX_CHOICES = 128;
  /** A parser's message names where the JSON broke; past this it is cut, as it may quote member names. */
  private static final int MAX_PARSE_MESSAGE = 200;

  private OpenAiWire() {}

  /** What a client asked for: the {@code model} member as given, and the rest as a router request. */
  record IncomingRequest(String model, ChatRequest request) {}

  /** Decodes a request body; throws {@link InvalidRequestException} naming the member at fault. */
  static IncomingRequest decodeRequest(byte[] body) {
    Object parsed;
    try {
      parsed = Json.parse(body);
    } catch (Json.MalformedJsonException e) {
      String message = e.getMessage() == null ? "" : e.getMessage();
      throw new InvalidRequestException("the body is not valid JSON: " + (message.length() > MAX_PARSE_MESSAGE
          ? message.substring(0, MAX_PARSE_MESSAGE) + "…" : message), "invalid_json", null);
    }
    if (!(parsed instanceof Map<?, ?> json)) {
      throw new InvalidRequestException("the body must be a JSON object", "invalid_json", null);
    }
    Object model = json.get("model");
    if (!(model instanceof String name) || name.isBlank()) {
      throw missingOrWrong("model", "a non-empty string");
    }
    if (name.length() > MAX_MODEL_LENGTH) {
      throw new InvalidRequestException("model must be at most " + MAX_MODEL_LENGTH + " characters", "invalid_value",
          "model");
    }
    if (!(json.get("messages") instanceof List<?> wireMessages) || wireMessages.isEmpty()) {
      throw missingOrWrong("messages", "a non-empty array");
    }
    List<ChatMessage> messages = new ArrayList<>(wireMessages.size());
    for (int i = 0; i < wireMessages.size(); i++) {
      messages.add(decodeMessage(wireMessages.get(i), "messages[" + i + "]"));
    }
    Double temperature = null;
    Object t = json.get("temperature");
    if (t != null) {
      if (!(t instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 2) {
        throw new InvalidRequestException("temperature must be a number between 0 and 2", "invalid_value",
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
    if (n != null && (!(n instanceof Long choices) || choices < 1 || choices > MAX_CHOICES)) {
      // forwarded as it came, but counted in cost and token estimates, so it must be a sane count
      throw new InvalidRequestException("n must be an integer between 1 and " + MAX_CHOICES, "invalid_value", "n");
    }
    Object stream = json.get("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      throw missingOrWrong("stream", "a boolean");
    }
    Map<String, Object> extensions = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : json.entrySet()) {
      if (!INTERPRETED.contains((String) e.getKey())) {
        extensions.put((String) e.getKey(), e.getValue());
      }
    }
    ChatRequest request = new ChatRequest(messages, temperature, maxTokens, Boolean.TRUE.equals(stream), extensions);
    return new IncomingRequest(name.strip(), request);
  }

  private static Integer tokens(Map<?, ?> json, String member) {
    Object value = json.get(member);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Long n) || n < 1 || n > Integer.MAX_VALUE) {
      throw new InvalidRequestException(member + " must be a positive integer", "invalid_value", member);
    }
    return n.intValue();
  }

  private static ChatMessage decodeMessage(Object wire, String path) {
    if (!(wire instanceof Map<?, ?> json)) {
      throw missingOrWrong(path, "an object");
    }
    if (!(json.get("role") instanceof String role) || role.isBlank()) {
      throw missingOrWrong(path + ".role", "a non-empty string");
    }
    Object content = json.get("content");
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : json.entrySet()) {
      if (!"role".equals(e.getKey()) && !"content".equals(e.getKey())) {
        fields.put((String) e.getKey(), e.getValue());
      }
    }
    if (content == null || content instanceof String) {
      return new ChatMessage(role, (String) content, fields);
    }
    if (content instanceof List<?> parts) {
      // the adapter sends the parts as they came; the text is only for token estimates
      StringBuilder text = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof Map<?, ?> p && p.get("text") instanceof String s) {
          text.append(s);
        }
      }
      fields.put("content", parts);
      return new ChatMessage(role, text.toString(), fields);
    }
    throw missingOrWrong(path + ".content", "a string, an array of parts or null");
  }

  private static InvalidRequestException missingOrWrong(String param, String expected) {
    return new InvalidRequestException(param + " is missing or is not " + expected, "invalid_value", param);
  }

  /**
   * The answer in OpenAI's shape with the upstream's members kept; {@code model} is the model that
   * answered. Written straight to UTF-8 bytes, without building maps or a string.
   */
  static byte[] encodeResponse(RoutedResponse routed, long createdEpochSeconds) {
    ChatResponse response = routed.response();
    return Json.writeBytes(writer -> {
      writer.beginObject();
      writer.name("id").value(response.id() != null ? response.id() : "chatcmpl-" + routed.requestId());
      writer.name("object").value("chat.completion");
      writer.name("created").value(createdEpochSeconds);
      writer.name("model").value(routed.model().value());
      writeChoices(writer, response.choices(), "message");
      writeUsage(writer, response.usage() != null ? response.usage() : routed.usage());
      writeRest(writer, response.extensions(), RESPONSE_MEMBERS);
      writer.endObject();
    });
  }

  static String encodeChunk(ModelId model, ChatChunk chunk, String fallbackId, long createdEpochSeconds) {
    return new String(Json.writeBytes(writer -> {
      writer.beginObject();
      writer.name("id").value(chunk.id() != null ? chunk.id() : fallbackId);
      writer.name("object").value("chat.completion.chunk");
      writer.name("created").value(createdEpochSeconds);
      writer.name("model").value(model.value());
      writeChoices(writer, chunk.choices(), "delta");
      if (chunk.usage() != null) {
        writeUsage(writer, chunk.usage());
        writeRest(writer, chunk.extensions(), RESPONSE_MEMBERS);
      } else {
        // a chunk without usage forwards an upstream "usage" member as it came
        writeRest(writer, chunk.extensions(), CHUNK_MEMBERS_WITHOUT_USAGE);
      }
      writer.endObject();
    }), StandardCharsets.UTF_8);
  }

  private static final Set<String> RESPONSE_MEMBERS = Set.of("id", "object", "created", "model", "choices", "usage");
  private static final Set<String> CHUNK_MEMBERS_WITHOUT_USAGE = Set.of("id", "object", "created", "model",
      "choices");
  private static final Set<String> MESSAGE_CHOICE_MEMBERS = Set.of("index", "message", "finish_reason");
  private static final Set<String> DELTA_CHOICE_MEMBERS = Set.of("index", "delta", "finish_reason");
  private static final Set<String> MESSAGE_MEMBERS = Set.of("role", "content");

  private static void writeChoices(JsonWriter writer, List<Choice> choices, String messageMember) throws IOException {
    writer.name("choices").beginArray();
    for (Choice choice : choices) {
      writer.beginObject();
      writer.name("index").value(choice.index());
      writer.name(messageMember);
      writeMessage(writer, choice.message());
      writer.name("finish_reason").value(choice.finishReason());
      writeRest(writer, choice.extensions(), messageMember.equals("delta") ? DELTA_CHOICE_MEMBERS
          : MESSAGE_CHOICE_MEMBERS);
      writer.endObject();
    }
    writer.endArray();
  }

  private static void writeMessage(JsonWriter writer, ChatMessage message) throws IOException {
    writer.beginObject();
    writer.name("role").value(message.role());
    writer.name("content");
    JsonValueAdapter.INSTANCE.toJson(writer, message.fields().containsKey("content") ? message.fields().get("content")
        : message.content());
    writeRest(writer, message.fields(), MESSAGE_MEMBERS);
    writer.endObject();
  }

  private static void writeUsage(JsonWriter writer, Usage usage) throws IOException {
    writer.name("usage").beginObject();
    writer.name("prompt_tokens").value(usage.promptTokens());
    writer.name("completion_tokens").value(usage.completionTokens());
    writer.name("total_tokens").value(usage.totalTokens());
    writer.endObject();
  }

  /** The members not in {@code written}, in their order: what the upstream sent that the gateway does not set. */
  private static void writeRest(JsonWriter writer, Map<String, Object> members, Set<String> written)
      throws IOException {
    for (Map.Entry<String, Object> e : members.entrySet()) {
      if (!written.contains(e.getKey())) {
        writer.name(e.getKey());
        JsonValueAdapter.INSTANCE.toJson(writer, e.getValue());
      }
    }
  }

  /** A request the gateway refuses before routing it; becomes a 400. */
  static final class InvalidRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final String param;

    InvalidRequestException(String message, String code, String param) {
      super(message);
      this.code = code;
      this.param = param;
    }

    ApiError toApiError() {
      return ApiError.badRequest(getMessage(), code, param);
    }
  }
}
