package dev.sheepdog.wire.openai;

import com.squareup.moshi.JsonDataException;
import com.squareup.moshi.JsonEncodingException;
import com.squareup.moshi.JsonReader;
import com.squareup.moshi.JsonWriter;
import dev.sheepdog.spi.Embedding;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okio.Buffer;
import okio.ByteString;
import okio.Source;

/**
 * The embeddings request body and its answer ({@code {"object":"list","data":[…]}}): decoded from
 * a client and encoded for an upstream, decoded from an upstream and encoded for a client. Vectors
 * are read straight into {@code double[]} from the reply's bytes, without a boxed number per value,
 * and written back value for value; a {@code base64} vector is kept as its text. Every other member
 * passes through.
 */
public final class EmbeddingFormat {
  private static final Set<String> REQUEST_READ = Set.of("model", "input", "dimensions");
  private static final Set<String> ANSWER_WRITTEN = Set.of("object", "data", "model", "usage");
  private static final Set<String> ITEM_WRITTEN = Set.of("object", "index", "embedding");

  private EmbeddingFormat() {}

  /** What a client asked for: the {@code model} member as given (stripped), and the rest as a router request. */
  public record Incoming(String model, EmbeddingRequest request) {}

  /**
   * Decodes a client's request body.
   *
   * @throws WireFormatException naming the member at fault, for a 400
   */
  public static Incoming decode(byte[] body) {
    if (!(WireJson.parseStrict(body) instanceof Map<?, ?> json)) {
      throw new WireFormatException("the body must be a JSON object", "invalid_json", null);
    }
    String model = ChatRequestFormat.model(json);
    Object dimensions = json.get("dimensions");
    if (dimensions != null && (!(dimensions instanceof Long n) || n < 1 || n > Integer.MAX_VALUE)) {
      throw new WireFormatException("dimensions must be a positive integer", "invalid_value", "dimensions");
    }
    Object format = json.get("encoding_format");
    if (format != null && !"float".equals(format) && !"base64".equals(format)) {
      throw new WireFormatException("encoding_format must be float or base64", "invalid_value", "encoding_format");
    }
    Map<String, Object> extensions = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : json.entrySet()) {
      if (!REQUEST_READ.contains((String) e.getKey())) {
        extensions.put((String) e.getKey(), e.getValue());
      }
    }
    try {
      return new Incoming(model, new EmbeddingRequest(json.get("input"),
          dimensions == null ? null : ((Long) dimensions).intValue(), extensions));
    } catch (IllegalArgumentException e) {
      // the record's own check names the input at fault and quotes none of it
      throw new WireFormatException(e.getMessage(), "invalid_value", "input");
    }
  }

  /** The body for an upstream, in UTF-8: the model's upstream name, the input as it came, the rest. */
  public static ByteString encode(String upstreamModel, EmbeddingRequest request) {
    return WireJson.buffer(writer -> {
      writer.beginObject();
      writer.name("model").value(upstreamModel);
      writer.name("input");
      WireJson.value(writer, request.input());
      if (request.dimensions() != null) {
        writer.name("dimensions").value(request.dimensions().longValue());
      }
      ChatAnswerFormat.writeRest(writer, request.extensions(), REQUEST_READ);
      writer.endObject();
    }).readByteString();
  }

  /**
   * Decodes an upstream's answer from its bytes, consumed.
   *
   * @throws WireFormatException when it is not a list of embeddings
   */
  public static EmbeddingResponse decodeAnswer(Source utf8) {
    try {
      JsonReader reader = JsonValueAdapter.reader(utf8);
      EmbeddingResponse answer = readAnswer(reader);
      if (reader.peek() != JsonReader.Token.END_DOCUMENT) {
        throw new WireFormatException("the body is not valid JSON: unexpected content after the JSON value",
            "invalid_json", null);
      }
      return answer;
    } catch (JsonEncodingException | JsonDataException e) {
      throw new WireFormatException("the embeddings answer is not what was expected at " + pathOf(e),
          "invalid_json", null);
    } catch (IOException e) {
      throw new WireFormatException("the body is not valid JSON: it ends inside a value", "invalid_json", null);
    }
  }

  /** {@link #decodeAnswer(Source)} of a string. */
  public static EmbeddingResponse decodeAnswer(String json) {
    return decodeAnswer(new Buffer().writeUtf8(json));
  }

  private static String pathOf(Exception e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    int path = message.lastIndexOf(" at path ");
    return path < 0 ? "an unknown place" : message.substring(path + 9);
  }

  private static EmbeddingResponse readAnswer(JsonReader reader) throws IOException {
    if (reader.peek() != JsonReader.Token.BEGIN_OBJECT) {
      throw malformed("the embeddings answer is not a JSON object", null);
    }
    List<Embedding> data = null;
    String model = null;
    Usage usage = null;
    Map<String, Object> rest = new LinkedHashMap<>();
    reader.beginObject();
    while (reader.hasNext()) {
      String name = reader.nextName();
      switch (name) {
        case "data" -> data = readData(reader);
        case "model" -> {
          Object value = JsonValueAdapter.INSTANCE.fromJson(reader);
          model = value == null ? null : String.valueOf(value);
        }
        case "usage" -> {
          Object value = JsonValueAdapter.INSTANCE.fromJson(reader);
          usage = ChatAnswerFormat.usage(value);
          rest.put(name, value);
        }
        default -> rest.put(name, JsonValueAdapter.INSTANCE.fromJson(reader));
      }
    }
    reader.endObject();
    if (data == null) {
      throw malformed("the embeddings answer has no data array", "data");
    }
    return new EmbeddingResponse(data, model, usage, rest);
  }

  private static List<Embedding> readData(JsonReader reader) throws IOException {
    if (reader.peek() != JsonReader.Token.BEGIN_ARRAY) {
      throw malformed("data is not a JSON array", "data");
    }
    List<Embedding> data = new ArrayList<>();
    reader.beginArray();
    while (reader.hasNext()) {
      data.add(readItem(reader, data.size()));
    }
    reader.endArray();
    return data;
  }

  private static Embedding readItem(JsonReader reader, int position) throws IOException {
    if (reader.peek() != JsonReader.Token.BEGIN_OBJECT) {
      throw malformed("data[" + position + "] is not a JSON object", "data");
    }
    int index = position;
    double[] vector = null;
    String encoded = null;
    Map<String, Object> rest = new LinkedHashMap<>();
    reader.beginObject();
    while (reader.hasNext()) {
      String name = reader.nextName();
      if (name.equals("index") && reader.peek() == JsonReader.Token.NUMBER) {
        long given = reader.nextLong();
        if (given < 0 || given > Integer.MAX_VALUE) {
          throw malformed("data[" + position + "].index is out of range", "data");
        }
        index = (int) given;
      } else if (name.equals("embedding")) {
        if (reader.peek() == JsonReader.Token.STRING) {
          encoded = reader.nextString();
        } else if (reader.peek() == JsonReader.Token.BEGIN_ARRAY) {
          vector = readVector(reader);
        } else {
          throw malformed("data[" + position + "].embedding is neither an array nor base64", "data");
        }
      } else {
        rest.put(name, JsonValueAdapter.INSTANCE.fromJson(reader));
      }
    }
    reader.endObject();
    if (vector == null && encoded == null) {
      throw malformed("data[" + position + "] has no embedding", "data");
    }
    return new Embedding(index, vector, encoded, rest);
  }

  private static double[] readVector(JsonReader reader) throws IOException {
    double[] values = new double[256];
    int size = 0;
    reader.beginArray();
    while (reader.hasNext()) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = reader.nextDouble();
    }
    reader.endArray();
    return size == values.length ? values : Arrays.copyOf(values, size);
  }

  /**
   * The answer for a client, in UTF-8: {@code model} is the model that answered, as the client
   * should see it; {@code fallbackUsage} the usage when the upstream reported none (an estimate),
   * or {@code null}.
   */
  public static byte[] encodeAnswer(EmbeddingResponse response, String model, Usage fallbackUsage) {
    return WireJson.writeBytes(writer -> {
      writer.beginObject();
      writer.name("object").value("list");
      writer.name("data").beginArray();
      for (Embedding embedding : response.data()) {
        writer.beginObject();
        writer.name("object").value("embedding");
        writer.name("index").value(embedding.index());
        writer.name("embedding");
        if (embedding.vector() != null) {
          writeVector(writer, embedding.vector());
        } else {
          writer.value(embedding.encoded());
        }
        ChatAnswerFormat.writeRest(writer, embedding.extensions(), ITEM_WRITTEN);
        writer.endObject();
      }
      writer.endArray();
      writer.name("model").value(model);
      ChatAnswerFormat.writeUsage(writer, response.usage() != null ? response.usage() : fallbackUsage,
          response.extensions(), false);
      ChatAnswerFormat.writeRest(writer, response.extensions(), ANSWER_WRITTEN);
      writer.endObject();
    });
  }

  private static void writeVector(JsonWriter writer, double[] vector) throws IOException {
    writer.beginArray();
    for (double value : vector) {
      writer.value(value);
    }
    writer.endArray();
  }

  private static WireFormatException malformed(String why, String param) {
    return new WireFormatException(why, "invalid_value", param);
  }
}
