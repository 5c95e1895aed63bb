package dev.sheepdog.wire.openai;

import com.squareup.moshi.JsonWriter;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.Choice;
import dev.sheepdog.spi.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A chat-completions answer ({@code chat.completion}) and the chunks of a streamed one ({@code
 * chat.completion.chunk}): decoded from an upstream, encoded for a client. Members the router does
 * not interpret stay in the records' extensions, {@code usage} as it came included (its details:
 * cached and reasoning tokens), and are written back in their order, so {@code encode(decode(x))}
 * is {@code x}.
 */
public final class ChatAnswerFormat {
  /** Members of an answer or chunk the encoder writes itself. */
  private static final Set<String> WRITTEN = Set.of("id", "object", "created", "model", "choices", "usage");
  /** Members of an answer or chunk the decoder reads into the record; the rest are extensions. */
  private static final Set<String> READ = Set.of("id", "model", "choices");
  private static final Set<String> CHOICE_MEMBERS = Set.of("index", "message", "delta", "finish_reason");

  private ChatAnswerFormat() {}

  /**
   * Decodes an upstream's answer.
   *
   * @throws WireFormatException when it is not an answer: not an object, no choices, a count
   *     that is not one
   */
  public static ChatResponse decodeAnswer(Object wire) {
    Map<String, Object> json = WireJson.object(wire, "the answer");
    List<Choice> choices = choices(json.get("choices"), "message");
    if (choices.isEmpty()) {
      throw malformed("the answer has no choices", "choices");
    }
    return new ChatResponse(string(json.get("id")), string(json.get("model")), choices, usage(json.get("usage")),
        rest(json, READ));
  }

  /**
   * Decodes one event of an upstream's stream; a chunk may have no choices (the last one, with
   * usage).
   *
   * @throws WireFormatException when it is not a chunk
   */
  public static ChatChunk decodeChunk(Object wire) {
    Map<String, Object> json = WireJson.object(wire, "the stream event");
    Object given = json.get("choices");
    List<Choice> choices = given == null ? List.of() : choices(given, "delta");
    return new ChatChunk(string(json.get("id")), string(json.get("model")), choices, usage(json.get("usage")),
        rest(json, READ));
  }

  /**
   * An answer for a client, in UTF-8, written straight to bytes.
   *
   * @param fallbackId the id when the answer has none
   * @param model the model that answered, as the client should see it
   * @param createdEpochSeconds when it was created
   * @param fallbackUsage the usage when the answer reports none (an estimate), or {@code null}
   */
  public static byte[] encodeAnswer(ChatResponse response, String fallbackId, String model, long createdEpochSeconds,
      Usage fallbackUsage) {
    return WireJson.writeBytes(writer -> {
      writer.beginObject();
      writer.name("id").value(response.id() != null ? response.id() : fallbackId);
      writer.name("object").value("chat.completion");
      writer.name("created").value(createdEpochSeconds);
      writer.name("model").value(model);
      writeChoices(writer, response.choices(), Messages.Place.ANSWER, null);
      writeUsage(writer, response.usage() != null ? response.usage() : fallbackUsage, response.extensions(), true);
      writeRest(writer, response.extensions(), WRITTEN);
      writer.endObject();
    });
  }

  /**
   * Encodes the chunks of one stream for a client, in order: a delta names its role in the first
   * chunk of its choice only, as OpenAI's streams do. One per stream; not thread-safe (a stream's
   * chunks arrive one at a time).
   */
  public static final class StreamEncoder {
    private final String fallbackId;
    private final long createdEpochSeconds;
    private final BitSet started = new BitSet();

    /**
     * @param fallbackId the id of chunks that have none
     * @param createdEpochSeconds when the stream was created, the same in every chunk
     */
    public StreamEncoder(String fallbackId, long createdEpochSeconds) {
      this.fallbackId = fallbackId;
      this.createdEpochSeconds = createdEpochSeconds;
    }

    /** The chunk's JSON, as the {@code data} of one server-sent event; {@code model} is the model answering. */
    public String encode(String model, ChatChunk chunk) {
      return new String(WireJson.writeBytes(writer -> {
        writer.beginObject();
        writer.name("id").value(chunk.id() != null ? chunk.id() : fallbackId);
        writer.name("object").value("chat.completion.chunk");
        writer.name("created").value(createdEpochSeconds);
        writer.name("model").value(model);
        writeChoices(writer, chunk.choices(), Messages.Place.DELTA, started);
        writeUsage(writer, chunk.usage(), chunk.extensions(), true);
        writeRest(writer, chunk.extensions(), WRITTEN);
        writer.endObject();
      }), StandardCharsets.UTF_8);
    }
  }

  private static void writeChoices(JsonWriter writer, List<Choice> choices, Messages.Place place, BitSet started)
      throws IOException {
    String member = place == Messages.Place.DELTA ? "delta" : "message";
    writer.name("choices").beginArray();
    for (Choice choice : choices) {
      writer.beginObject();
      writer.name("index").value(choice.index());
      writer.name(member);
      boolean first = started != null && choice.index() >= 0 && !started.get(choice.index());
      if (first) {
        started.set(choice.index());
      }
      Messages.write(writer, choice.message(), place, first);
      writer.name("finish_reason").value(choice.finishReason());
      writeRest(writer, choice.extensions(), CHOICE_MEMBERS);
      writer.endObject();
    }
    writer.endArray();
  }

  /**
   * The usage member: the counts of {@code usage} ({@code completion_tokens} only with {@code
   * completion}: embeddings read, they do not write), then the details the upstream's own usage
   * member had; the upstream's member as it came (often {@code null} in chunks) when there are no
   * counts.
   */
  static void writeUsage(JsonWriter writer, Usage usage, Map<String, Object> extensions, boolean completion)
      throws IOException {
    Object given = extensions.get("usage");
    if (usage == null) {
      if (extensions.containsKey("usage")) {
        writer.name("usage");
        WireJson.value(writer, given);
      }
      return;
    }
    writer.name("usage").beginObject();
    writer.name("prompt_tokens").value(usage.promptTokens());
    if (completion) {
      writer.name("completion_tokens").value(usage.completionTokens());
    }
    writer.name("total_tokens").value(usage.totalTokens());
    if (given instanceof Map<?, ?> details) {
      for (Map.Entry<?, ?> e : details.entrySet()) {
        String name = String.valueOf(e.getKey());
        boolean written = name.equals("prompt_tokens") || name.equals("total_tokens")
            || completion && name.equals("completion_tokens");
        if (!written) {
          writer.name(name);
          WireJson.value(writer, e.getValue());
        }
      }
    }
    writer.endObject();
  }

  /** The members not in {@code written}, in their order. */
  static void writeRest(JsonWriter writer, Map<String, Object> members, Set<String> written) throws IOException {
    for (Map.Entry<String, Object> e : members.entrySet()) {
      if (!written.contains(e.getKey())) {
        writer.name(e.getKey());
        WireJson.value(writer, e.getValue());
      }
    }
  }

  private static List<Choice> choices(Object given, String messageMember) {
    if (!(given instanceof List<?> list)) {
      throw malformed(given == null ? "choices is missing" : "choices is not a JSON array", "choices");
    }
    List<Choice> choices = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      Map<String, Object> json = WireJson.object(list.get(i), "choices[" + i + "]");
      Object index = json.get("index");
      Object message = json.get(messageMember);
      String path = "choices[" + i + "]." + messageMember;
      choices.add(new Choice(
          index instanceof Number n ? n.intValue() : 0,
          Messages.decode(message == null ? Map.of() : message, path,
              messageMember.equals("delta") ? Messages.Place.DELTA : Messages.Place.ANSWER),
          string(json.get("finish_reason")),
          rest(json, CHOICE_MEMBERS)));
    }
    return choices;
  }

  /** The counts of a usage member, or {@code null} for none. */
  static Usage usage(Object json) {
    if (json == null) {
      return null;
    }
    Map<String, Object> usage = WireJson.object(json, "usage");
    return new Usage(count(usage.get("prompt_tokens"), "prompt_tokens"),
        count(usage.get("completion_tokens"), "completion_tokens"));
  }

  private static long count(Object value, String member) {
    if (value == null) {
      return 0;
    }
    if (value instanceof Number n && n.doubleValue() >= 0) {
      return n.longValue();
    }
    // what it is, not what it says: the upstream's text could hold a key
    throw malformed("usage." + member + " is not a count but " + kindOf(value), "usage." + member);
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

  static Map<String, Object> rest(Map<String, Object> json, Set<String> read) {
    Map<String, Object> rest = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json.entrySet()) {
      if (!read.contains(e.getKey())) {
        rest.put(e.getKey(), e.getValue());
      }
    }
    return rest;
  }

  private static String string(Object value) {
    return value == null ? null : String.valueOf(value);
  }

  private static WireFormatException malformed(String why, String param) {
    return new WireFormatException(why, "invalid_value", param);
  }
}
