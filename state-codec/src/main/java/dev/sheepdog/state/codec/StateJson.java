package dev.sheepdog.state.codec;

import com.squareup.moshi.JsonDataException;
import com.squareup.moshi.JsonReader;
import com.squareup.moshi.JsonWriter;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okio.Buffer;

/**
 * The JSON a deferred request and its answer are stored as, written and read with Moshi's streaming
 * {@link JsonWriter} and {@link JsonReader}: no reflection, every member named here.
 *
 * <p>Pass-through values ({@code extensions}, message {@code fields}) are JSON trees of {@code
 * String}, {@code Boolean}, {@code null}, {@link Number}, {@link List} and {@link Map}; maps keep
 * their order. A number is written as its literal ({@code toString()}), so a number kept as its
 * wire text is stored byte for byte, and read back as a {@code Long} when it is an integer that
 * fits, else a {@code Double} when that prints back as the same literal, else as the literal itself
 * ({@link LiteralNumber}), never parsed into a {@code BigDecimal}, whose parse is quadratic in the
 * literal's length.
 * A route deadline is kept in whole milliseconds, rounded up. Unknown members are skipped when
 * reading, so a later Sheepdog may add some.
 */
public final class StateJson {
  private StateJson() {}

  public static String write(DeferredRequest deferred) {
    return write(writer -> {
      writer.beginObject();
      writer.name("id").value(deferred.id());
      writer.name("idempotencyKey").value(deferred.idempotencyKey());
      writer.name("deferredAt").value(deferred.deferredAtEpochMillis());
      writer.name("reason").value(deferred.reason());
      writer.name("request");
      writeRequest(writer, deferred.request());
      writer.name("hints");
      writeHints(writer, deferred.hints());
      writer.endObject();
    });
  }

  public static String write(DeferredAnswer answer) {
    return write(writer -> {
      writer.beginObject();
      writer.name("model").value(answer.model().value());
      writer.name("cost").value(answer.cost().nanos());
      writer.name("deliveredAt").value(answer.deliveredAtEpochMillis());
      writer.name("response");
      writeResponse(writer, answer.response());
      writer.endObject();
    });
  }

  /**
   * The deferred request stored as {@code json}.
   *
   * @throws IOException if it is not JSON
   * @throws RuntimeException ({@link JsonDataException}, {@link IllegalArgumentException}, {@link
   *     NullPointerException}) if it is JSON but not a valid deferred request
   */
  public static DeferredRequest readRequest(String json) throws IOException {
    JsonReader reader = reader(json);
    String id = null;
    String idempotencyKey = null;
    long deferredAt = 0;
    String reason = null;
    ChatRequest request = null;
    RouteHints hints = null;
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName()) {
        case "id" -> id = reader.nextString();
        case "idempotencyKey" -> idempotencyKey = reader.nextString();
        case "deferredAt" -> deferredAt = reader.nextLong();
        case "reason" -> reason = reader.nextString();
        case "request" -> request = readChatRequest(reader);
        case "hints" -> hints = readHints(reader);
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    return new DeferredRequest(id, idempotencyKey, request, hints, deferredAt, reason);
  }

  /**
   * The answer stored as {@code json}.
   *
   * @throws IOException if it is not JSON
   * @throws RuntimeException if it is JSON but not a valid answer
   */
  public static DeferredAnswer readAnswer(String json) throws IOException {
    JsonReader reader = reader(json);
    String model = null;
    long cost = 0;
    long deliveredAt = 0;
    ChatResponse response = null;
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName()) {
        case "model" -> model = reader.nextString();
        case "cost" -> cost = reader.nextLong();
        case "deliveredAt" -> deliveredAt = reader.nextLong();
        case "response" -> response = readResponse(reader);
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    return new DeferredAnswer(ModelId.of(model), response, Money.ofNanos(cost), deliveredAt);
  }

  // --- writing

  @FunctionalInterface
  private interface Body {
    void write(JsonWriter writer) throws IOException;
  }

  private static String write(Body body) {
    Buffer buffer = new Buffer();
    try (JsonWriter writer = JsonWriter.of(buffer)) {
      writer.setSerializeNulls(true);
      body.write(writer);
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory failed", e);
    }
    return buffer.readUtf8();
  }

  private static void writeRequest(JsonWriter writer, ChatRequest request) throws IOException {
    writer.beginObject();
    writer.name("messages").beginArray();
    for (ChatMessage message : request.messages()) {
      writeMessage(writer, message);
    }
    writer.endArray();
    writer.name("temperature").value(request.temperature());
    writer.name("maxTokens").value(request.maxTokens());
    writer.name("stream").value(request.stream());
    writer.name("extensions");
    writeValue(writer, request.extensions());
    writer.endObject();
  }

  private static void writeMessage(JsonWriter writer, ChatMessage message) throws IOException {
    writer.beginObject();
    writer.name("role").value(message.role());
    writer.name("content").value(message.content());
    writer.name("fields");
    writeValue(writer, message.fields());
    writer.endObject();
  }

  private static void writeHints(JsonWriter writer, RouteHints hints) throws IOException {
    writer.beginObject();
    writer.name("task").value(hints.task().name());
    writer.name("priority").value(hints.priority().wireName());
    writer.name("tags").beginArray();
    for (String tag : hints.tags()) {
      writer.value(tag);
    }
    writer.endArray();
    writer.name("maxCost").value(hints.maxCost() == null ? null : hints.maxCost().nanos());
    writer.name("deadline").value(hints.deadline() == null ? null : roundedUpMillis(hints.deadline()));
    writer.name("allowDeferral").value(hints.allowDeferral());
    writer.name("pinned").beginArray();
    for (ModelId model : hints.pinned()) {
      writer.value(model.value());
    }
    writer.endArray();
    writer.name("requestId").value(hints.requestId());
    writer.name("attributes").beginObject();
    for (Map.Entry<String, String> attribute : hints.attributes().entrySet()) {
      writer.name(attribute.getKey()).value(attribute.getValue());
    }
    writer.endObject();
    writer.endObject();
  }

  private static void writeResponse(JsonWriter writer, ChatResponse response) throws IOException {
    writer.beginObject();
    writer.name("id").value(response.id());
    writer.name("upstreamModel").value(response.upstreamModel());
    writer.name("choices").beginArray();
    for (Choice choice : response.choices()) {
      writer.beginObject();
      writer.name("index").value(choice.index());
      writer.name("message");
      writeMessage(writer, choice.message());
      writer.name("finishReason").value(choice.finishReason());
      writer.name("extensions");
      writeValue(writer, choice.extensions());
      writer.endObject();
    }
    writer.endArray();
    writer.name("usage");
    if (response.usage() == null) {
      writer.nullValue();
    } else {
      writer.beginObject();
      writer.name("promptTokens").value(response.usage().promptTokens());
      writer.name("completionTokens").value(response.usage().completionTokens());
      writer.endObject();
    }
    writer.name("extensions");
    writeValue(writer, response.extensions());
    writer.endObject();
  }

  private static void writeValue(JsonWriter writer, Object value) throws IOException {
    if (value == null) {
      writer.nullValue();
    } else if (value instanceof String text) {
      writer.value(text);
    } else if (value instanceof Boolean bool) {
      writer.value(bool.booleanValue());
    } else if (value instanceof Number number) {
      writer.value(number);
    } else if (value instanceof Map<?, ?> map) {
      writer.beginObject();
      for (Map.Entry<?, ?> member : map.entrySet()) {
        if (!(member.getKey() instanceof String name)) {
          throw new IllegalArgumentException("a pass-through object's member names are strings, one was "
              + (member.getKey() == null ? "null" : "a " + member.getKey().getClass().getSimpleName()));
        }
        writer.name(name);
        writeValue(writer, member.getValue());
      }
      writer.endObject();
    } else if (value instanceof List<?> list) {
      writer.beginArray();
      for (Object element : list) {
        writeValue(writer, element);
      }
      writer.endArray();
    } else {
      throw new IllegalArgumentException("a pass-through value is a string, boolean, number, list, map or null, "
          + "not a " + value.getClass().getSimpleName());
    }
  }

  /** Whole milliseconds, rounded up so that a positive deadline stays positive. */
  private static long roundedUpMillis(Duration deadline) {
    long millis = deadline.toMillis();
    return Duration.ofMillis(millis).compareTo(deadline) < 0 ? millis + 1 : millis;
  }

  // --- reading

  private static JsonReader reader(String json) {
    return JsonReader.of(new Buffer().writeUtf8(json));
  }

  private static ChatRequest readChatRequest(JsonReader reader) throws IOException {
    List<ChatMessage> messages = new ArrayList<>();
    Double temperature = null;
    Integer maxTokens = null;
    boolean stream = false;
    Map<String, Object> extensions = Map.of();
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName()) {
        case "messages" -> {
          reader.beginArray();
          while (reader.hasNext()) {
            messages.add(readMessage(reader));
          }
          reader.endArray();
        }
        case "temperature" -> temperature = nullOr(reader) ? null : reader.nextDouble();
        case "maxTokens" -> maxTokens = nullOr(reader) ? null : reader.nextInt();
        case "stream" -> stream = reader.nextBoolean();
        case "extensions" -> extensions = readObject(reader);
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    return new ChatRequest(messages, temperature, maxTokens, stream, extensions);
  }

  private static ChatMessage readMessage(JsonReader reader) throws IOException {
    String role = null;
    String content = null;
    Map<String, Object> fields = Map.of();
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName()) {
        case "role" -> role = reader.nextString();
        case "content" -> content = nullOr(reader) ? null : reader.nextString();
        case "fields" -> fields = readObject(reader);
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    return new ChatMessage(role, content, fields);
  }

  private static RouteHints readHints(JsonReader reader) throws IOException {
    RouteHints.Builder hints = RouteHints.builder();
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName()) {
        case "task" -> hints.task(reader.nextString());
        case "priority" -> {
          String priority = reader.nextString();
          hints.priority(Priority.parse(priority)
              .orElseThrow(() -> new JsonDataException("unknown priority " + priority)));
        }
        case "tags" -> {
          reader.beginArray();
          while (reader.hasNext()) {
            hints.tag(reader.nextString());
          }
          reader.endArray();
        }
        case "maxCost" -> hints.maxCost(nullOr(reader) ? null : Money.ofNanos(reader.nextLong()));
        case "deadline" -> hints.deadline(nullOr(reader) ? null : Duration.ofMillis(reader.nextLong()));
        case "allowDeferral" -> hints.allowDeferral(reader.nextBoolean());
        case "pinned" -> {
          reader.beginArray();
          while (reader.hasNext()) {
            hints.pin(ModelId.of(reader.nextString()));
          }
          reader.endArray();
        }
        case "requestId" -> hints.requestId(nullOr(reader) ? null : reader.nextString());
        case "attributes" -> {
          reader.beginObject();
          while (reader.hasNext()) {
            hints.attribute(reader.nextName(), reader.nextString());
          }
          reader.endObject();
        }
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    return hints.build();
  }

  private static ChatResponse readResponse(JsonReader reader) throws IOException {
    String id = null;
    String upstreamModel = null;
    List<Choice> choices = new ArrayList<>();
    Usage usage = null;
    Map<String, Object> extensions = Map.of();
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName()) {
        case "id" -> id = nullOr(reader) ? null : reader.nextString();
        case "upstreamModel" -> upstreamModel = nullOr(reader) ? null : reader.nextString();
        case "choices" -> {
          reader.beginArray();
          while (reader.hasNext()) {
            choices.add(readChoice(reader));
          }
          reader.endArray();
        }
        case "usage" -> usage = nullOr(reader) ? null : readUsage(reader);
        case "extensions" -> extensions = readObject(reader);
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    return new ChatResponse(id, upstreamModel, choices, usage, extensions);
  }

  private static Choice readChoice(JsonReader reader) throws IOException {
    int index = 0;
    ChatMessage message = null;
    String finishReason = null;
    Map<String, Object> extensions = Map.of();
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName()) {
        case "index" -> index = reader.nextInt();
        case "message" -> message = readMessage(reader);
        case "finishReason" -> finishReason = nullOr(reader) ? null : reader.nextString();
        case "extensions" -> extensions = readObject(reader);
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    return new Choice(index, message, finishReason, extensions);
  }

  private static Usage readUsage(JsonReader reader) throws IOException {
    long prompt = 0;
    long completion = 0;
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName()) {
        case "promptTokens" -> prompt = reader.nextLong();
        case "completionTokens" -> completion = reader.nextLong();
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    return new Usage(prompt, completion);
  }

  /** Whether the next value is {@code null}; consumes it if so. */
  private static boolean nullOr(JsonReader reader) throws IOException {
    if (reader.peek() == JsonReader.Token.NULL) {
      reader.nextNull();
      return true;
    }
    return false;
  }

  private static Map<String, Object> readObject(JsonReader reader) throws IOException {
    Map<String, Object> map = new LinkedHashMap<>();
    reader.beginObject();
    while (reader.hasNext()) {
      String name = reader.nextName();
      map.put(name, readValue(reader));
    }
    reader.endObject();
    return Collections.unmodifiableMap(map);
  }

  private static Object readValue(JsonReader reader) throws IOException {
    return switch (reader.peek()) {
      case NULL -> reader.nextNull();
      case STRING -> reader.nextString();
      case BOOLEAN -> reader.nextBoolean();
      case NUMBER -> number(reader.nextString());
      case BEGIN_OBJECT -> readObject(reader);
      case BEGIN_ARRAY -> {
        List<Object> list = new ArrayList<>();
        reader.beginArray();
        while (reader.hasNext()) {
          list.add(readValue(reader));
        }
        reader.endArray();
        yield Collections.unmodifiableList(list);
      }
      default -> throw new JsonDataException("expected a value but was " + reader.peek() + " at " + reader.getPath());
    };
  }

  /**
   * A number literal as the value that prints back as it: a {@code Long} when it is an integer that
   * fits, a {@code Double} when {@link Double#toString} gives the literal back, else the literal
   * ({@link LiteralNumber}).
   */
  public static Number number(String literal) {
    if (literal.length() > MAX_PARSED_LITERAL) {
      return new LiteralNumber(literal);
    }
    try {
      return Long.parseLong(literal);
    } catch (NumberFormatException notALong) {
      double value = Double.parseDouble(literal);
      return Double.toString(value).equals(literal) ? value : new LiteralNumber(literal);
    }
  }

  /** Longer literals are neither a long nor a double that prints back as them. */
  private static final int MAX_PARSED_LITERAL = 32;
}
