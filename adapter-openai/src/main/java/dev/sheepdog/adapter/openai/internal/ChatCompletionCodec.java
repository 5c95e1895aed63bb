package dev.sheepdog.adapter.openai.internal;

import dev.sheepdog.adapter.openai.JsonValueAdapter;
import com.squareup.moshi.JsonReader;
import com.squareup.moshi.JsonWriter;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.Choice;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okio.Buffer;
import okio.ByteString;

/**
 * Maps between the router's values and the chat-completions JSON, as generic maps and lists so
 * that every member the router does not interpret passes through untouched in both directions.
 *
 * <p>Replies that do not have the shape of an answer fail with {@link
 * FailureKind#MALFORMED_RESPONSE}: a reply we cannot read is the upstream's fault, and another
 * model may do better.
 */
public final class ChatCompletionCodec {
  private static final Set<String> RESPONSE_MEMBERS = Set.of("id", "model", "choices", "usage");
  private static final Set<String> CHOICE_MEMBERS = Set.of("index", "message", "delta", "finish_reason");
  private static final Set<String> MESSAGE_MEMBERS = Set.of("role", "content");

  private ChatCompletionCodec() {}

  /** The request body: the router's fields, then every pass-through member as it came. */
  public static Map<String, Object> encode(ModelSpec model, ChatRequest request, boolean stream) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model.upstreamName());
    List<Object> messages = new ArrayList<>(request.messages().size());
    for (ChatMessage message : request.messages()) {
      messages.add(encode(message));
    }
    body.put("messages", messages);
    if (request.temperature() != null) {
      body.put("temperature", request.temperature());
    }
    // newer OpenAI models take max_completion_tokens and reject both being sent
    if (request.maxTokens() != null && !request.extensions().containsKey("max_completion_tokens")) {
      body.put("max_tokens", request.maxTokens());
    }
    for (Map.Entry<String, Object> e : request.extensions().entrySet()) {
      body.putIfAbsent(e.getKey(), e.getValue());
    }
    body.remove("stream");
    body.remove("stream_options");
    if (stream) {
      body.put("stream", true);
      Map<String, Object> streamOptions = new LinkedHashMap<>();
      if (request.extensions().get("stream_options") instanceof Map<?, ?> given) {
        given.forEach((k, v) -> streamOptions.put(String.valueOf(k), v));
      }
      // without usage a streamed answer cannot be priced
      streamOptions.put("include_usage", true);
      body.put("stream_options", streamOptions);
    }
    return body;
  }

  /**
   * The request body's UTF-8 bytes, the same JSON as {@code toJsonBytes(encode(model, request,
   * stream))} member for member, written straight to the buffer without building the maps.
   */
  public static ByteString requestBytes(ModelSpec model, ChatRequest request, boolean stream) {
    Buffer buffer = new Buffer();
    try (JsonWriter writer = JsonWriter.of(buffer)) {
      writer.setSerializeNulls(true);
      writeRequest(writer, model, request, stream);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.readByteString();
  }

  private static void writeRequest(JsonWriter writer, ModelSpec model, ChatRequest request, boolean stream)
      throws IOException {
    Map<String, Object> extensions = request.extensions();
    writer.beginObject();
    writer.name("model").value(model.upstreamName());
    writer.name("messages").beginArray();
    for (ChatMessage message : request.messages()) {
      writeMessage(writer, message);
    }
    writer.endArray();
    boolean temperature = request.temperature() != null;
    if (temperature) {
      writer.name("temperature");
      JsonValueAdapter.INSTANCE.toJson(writer, request.temperature());
    }
    // newer OpenAI models take max_completion_tokens and reject both being sent
    boolean maxTokens = request.maxTokens() != null && !extensions.containsKey("max_completion_tokens");
    if (maxTokens) {
      writer.name("max_tokens");
      JsonValueAdapter.INSTANCE.toJson(writer, request.maxTokens());
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
        JsonValueAdapter.INSTANCE.toJson(writer, e.getValue());
      }
    }
    if (stream) {
      writer.name("stream").value(true);
      writer.name("stream_options").beginObject();
      // without usage a streamed answer cannot be priced: include_usage is true, where the client put it or last
      boolean includeUsage = false;
      if (extensions.get("stream_options") instanceof Map<?, ?> given) {
        for (Map.Entry<?, ?> e : given.entrySet()) {
          String name = String.valueOf(e.getKey());
          writer.name(name);
          if (name.equals("include_usage")) {
            writer.value(true);
            includeUsage = true;
          } else {
            JsonValueAdapter.INSTANCE.toJson(writer, e.getValue());
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

  private static void writeMessage(JsonWriter writer, ChatMessage message) throws IOException {
    writer.beginObject();
    writer.name("role").value(message.role());
    Map<String, Object> fields = message.fields();
    boolean partsGiven = fields.containsKey("content");
    if (partsGiven) {
      // the original array of parts (text, images, audio) is sent instead of its text
      writer.name("content");
      JsonValueAdapter.INSTANCE.toJson(writer, fields.get("content"));
    } else if (message.content() != null) {
      writer.name("content").value(message.content());
    }
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      String name = e.getKey();
      if (!name.equals("role") && !name.equals("content")) {
        writer.name(name);
        JsonValueAdapter.INSTANCE.toJson(writer, e.getValue());
      }
    }
    writer.endObject();
  }

  private static Map<String, Object> encode(ChatMessage message) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("role", message.role());
    if (message.fields().containsKey("content")) {
      // the original array of parts (text, images, audio) is sent instead of its text
      json.put("content", message.fields().get("content"));
    } else if (message.content() != null) {
      json.put("content", message.content());
    }
    for (Map.Entry<String, Object> e : message.fields().entrySet()) {
      json.putIfAbsent(e.getKey(), e.getValue());
    }
    return json;
  }

  public static String toJson(Object value) {
    return toJsonBytes(value).utf8();
  }

  /** The UTF-8 bytes of {@code value}'s JSON, for a request body: no string is built and encoded again. */
  public static ByteString toJsonBytes(Object value) {
    Buffer buffer = new Buffer();
    try (JsonWriter writer = JsonWriter.of(buffer)) {
      writer.setSerializeNulls(true);
      JsonValueAdapter.INSTANCE.toJson(writer, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.readByteString();
  }

  /** Parses a JSON document; throws {@link ProviderException} of kind MALFORMED_RESPONSE. */
  public static Object parse(String json, int status) {
    return parse(new Buffer().writeUtf8(json), status);
  }

  /**
   * Parses the JSON document in {@code utf8}, consuming it; throws {@link ProviderException} of
   * kind MALFORMED_RESPONSE. A reply read into a buffer is parsed from its bytes, without being
   * decoded into a string first.
   */
  public static Object parse(Buffer utf8, int status) {
    try {
      JsonReader reader = JsonValueAdapter.reader(utf8);
      Object value = JsonValueAdapter.INSTANCE.fromJson(reader);
      if (reader.peek() != JsonReader.Token.END_DOCUMENT) {
        throw malformed(status, "unexpected content after the JSON document");
      }
      return value;
    } catch (IOException | RuntimeException e) {
      if (e instanceof ProviderException p) {
        throw p;
      }
      // JSON syntax errors and early end of input; the message names a path, never the content
      throw new ProviderException(
          FailureKind.MALFORMED_RESPONSE, status, "unreadable JSON (" + e.getClass().getSimpleName() + ")", null, null);
    }
  }

  public static ChatResponse decodeResponse(Map<String, Object> json, int status) {
    List<Choice> choices = new ArrayList<>();
    for (Object choice : list(json.get("choices"), "choices", status)) {
      choices.add(decodeChoice(map(choice, "choice", status), "message", status));
    }
    if (choices.isEmpty()) {
      throw malformed(status, "the answer has no choices");
    }
    return new ChatResponse(
        string(json.get("id")),
        string(json.get("model")),
        choices,
        usage(json.get("usage"), status),
        rest(json, RESPONSE_MEMBERS));
  }

  public static ChatChunk decodeChunk(Map<String, Object> json, int status) {
    List<Choice> choices = new ArrayList<>();
    Object given = json.get("choices");
    if (given != null) {
      for (Object choice : list(given, "choices", status)) {
        choices.add(decodeChoice(map(choice, "choice", status), "delta", status));
      }
    }
    return new ChatChunk(
        string(json.get("id")),
        string(json.get("model")),
        choices,
        usage(json.get("usage"), status),
        rest(json, RESPONSE_MEMBERS));
  }

  /** The ids of {@code GET /models}. */
  public static List<String> decodeModelIds(Object json, int status) {
    List<String> ids = new ArrayList<>();
    for (Object model : list(map(json, "model list", status).get("data"), "data", status)) {
      Object id = map(model, "model", status).get("id");
      if (id == null) {
        throw malformed(status, "a model without an id");
      }
      ids.add(String.valueOf(id));
    }
    return List.copyOf(ids);
  }

  private static Choice decodeChoice(Map<String, Object> json, String messageMember, int status) {
    Object index = json.get("index");
    Object message = json.get(messageMember);
    return new Choice(
        index instanceof Number n ? n.intValue() : 0,
        decodeMessage(message == null ? Map.of() : map(message, messageMember, status)),
        string(json.get("finish_reason")),
        rest(json, CHOICE_MEMBERS));
  }

  private static ChatMessage decodeMessage(Map<String, Object> json) {
    Object role = json.get("role");
    Object content = json.get("content");
    Map<String, Object> fields = rest(json, MESSAGE_MEMBERS);
    String text;
    if (content instanceof List<?> parts) {
      fields = new LinkedHashMap<>(fields);
      fields.put("content", content);
      text = textOf(parts);
    } else {
      text = content == null ? null : String.valueOf(content);
    }
    // stream deltas name the role only in their first chunk
    return new ChatMessage(role == null ? "assistant" : String.valueOf(role), text, fields);
  }

  private static String textOf(List<?> parts) {
    StringBuilder text = new StringBuilder();
    for (Object part : parts) {
      if (part instanceof Map<?, ?> p && "text".equals(p.get("type")) && p.get("text") != null) {
        text.append(p.get("text"));
      }
    }
    return text.toString();
  }

  private static Usage usage(Object json, int status) {
    if (json == null) {
      return null;
    }
    Map<String, Object> usage = map(json, "usage", status);
    return new Usage(
        count(usage.get("prompt_tokens"), "prompt_tokens", status),
        count(usage.get("completion_tokens"), "completion_tokens", status));
  }

  private static long count(Object value, String member, int status) {
    if (value == null) {
      return 0;
    }
    if (value instanceof Number n && n.doubleValue() >= 0) {
      return n.longValue();
    }
    // what it is, not what it says: the upstream's text could hold a key
    throw malformed(status, member + " is not a count but " + kindOf(value));
  }

  private static String kindOf(Object json) {
    if (json instanceof Number) {
      return "a negative number";
    }
    if (json instanceof String) {
      return "a string";
    }
    if (json instanceof Boolean) {
      return "a boolean";
    }
    return json instanceof List<?> ? "an array" : "an object";
  }

  private static Map<String, Object> rest(Map<String, Object> json, Set<String> interpreted) {
    Map<String, Object> rest = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json.entrySet()) {
      if (!interpreted.contains(e.getKey())) {
        rest.put(e.getKey(), e.getValue());
      }
    }
    return rest;
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object json, String what, int status) {
    if (json instanceof Map<?, ?>) {
      return (Map<String, Object>) json;
    }
    throw malformed(status, what + " is not a JSON object");
  }

  private static List<?> list(Object json, String what, int status) {
    if (json instanceof List<?> list) {
      return list;
    }
    throw malformed(status, what + (json == null ? " is missing" : " is not a JSON array"));
  }

  private static String string(Object value) {
    return value == null ? null : String.valueOf(value);
  }

  private static ProviderException malformed(int status, String why) {
    return new ProviderException(FailureKind.MALFORMED_RESPONSE, status, why, null, null);
  }

  static String truncate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "…";
  }
}
