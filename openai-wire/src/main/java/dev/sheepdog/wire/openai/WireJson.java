package dev.sheepdog.wire.openai;

import com.squareup.moshi.JsonDataException;
import com.squareup.moshi.JsonEncodingException;
import com.squareup.moshi.JsonReader;
import com.squareup.moshi.JsonWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import okio.Buffer;
import okio.Source;

/**
 * Whole JSON documents, untyped, through {@link JsonValueAdapter}: numbers keep their literal's
 * kind, so a forwarded {@code "seed": 42} is not turned into {@code 42.0}, and nulls are written.
 */
public final class WireJson {
  /** A parser's message names where the JSON broke; past this it is cut, as it may quote member names. */
  private static final int MAX_PARSE_MESSAGE = 200;
  private static final String NOT_JSON = "the body is not valid JSON: ";

  private WireJson() {}

  /**
   * The value of a whole document from a client: an object that names a member twice is refused,
   * since the gateway and the upstream might read different ones.
   *
   * @throws WireFormatException ({@code invalid_json}) naming where the JSON broke, never quoting it
   */
  public static Object parseStrict(byte[] body) {
    return parse(new Buffer().write(body), JsonValueAdapter.STRICT);
  }

  /**
   * The value of a whole document from an upstream, consumed from {@code utf8}: a member named
   * twice counts as its last value.
   *
   * @throws WireFormatException ({@code invalid_json}) naming where the JSON broke, never quoting it
   */
  public static Object parse(Source utf8) {
    return parse(utf8, JsonValueAdapter.INSTANCE);
  }

  /** {@link #parse(Source)} of a string. */
  public static Object parse(String json) {
    return parse(new Buffer().writeUtf8(json));
  }

  private static Object parse(Source utf8, JsonValueAdapter adapter) {
    try {
      JsonReader reader = JsonValueAdapter.reader(utf8);
      Object value = adapter.fromJson(reader);
      if (reader.peek() != JsonReader.Token.END_DOCUMENT) {
        throw new WireFormatException(NOT_JSON + "unexpected content after the JSON value", "invalid_json", null);
      }
      return value;
    } catch (JsonEncodingException | JsonDataException e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new WireFormatException(NOT_JSON + (message.length() > MAX_PARSE_MESSAGE
          ? message.substring(0, MAX_PARSE_MESSAGE) + "…" : message), "invalid_json", null);
    } catch (IOException e) {
      // the end of input inside a value, or a source that failed
      throw new WireFormatException(NOT_JSON + "it ends inside a value",
          "invalid_json", null);
    }
  }

  /**
   * {@code json} as an object.
   *
   * @throws WireFormatException ({@code invalid_value}) saying that {@code what} is not one
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Object json, String what) {
    if (json instanceof Map<?, ?>) {
      return (Map<String, Object>) json;
    }
    throw new WireFormatException(what + " is not a JSON object", "invalid_value", null);
  }

  /** The JSON of an untyped value. */
  public static String write(Object value) {
    return new String(toBytes(value), StandardCharsets.UTF_8);
  }

  /** The UTF-8 bytes of an untyped value's JSON. */
  public static byte[] toBytes(Object value) {
    return writeBytes(writer -> JsonValueAdapter.INSTANCE.toJson(writer, value));
  }

  /** What {@link #writeBytes} writes with. */
  @FunctionalInterface
  public interface Writing {
    void write(JsonWriter writer) throws IOException;
  }

  /** The UTF-8 bytes of what {@code writing} writes, nulls included, straight into one buffer. */
  public static byte[] writeBytes(Writing writing) {
    return buffer(writing).readByteArray();
  }

  /** What {@code writing} writes, nulls included, in a buffer to send. */
  public static Buffer buffer(Writing writing) {
    Buffer buffer = new Buffer();
    try (JsonWriter writer = JsonWriter.of(buffer)) {
      writer.setSerializeNulls(true);
      writing.write(writer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer;
  }

  /** Writes an untyped value. */
  static void value(JsonWriter writer, Object value) throws IOException {
    JsonValueAdapter.INSTANCE.toJson(writer, value);
  }
}
