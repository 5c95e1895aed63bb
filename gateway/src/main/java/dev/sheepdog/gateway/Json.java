package dev.sheepdog.gateway;

import com.squareup.moshi.JsonDataException;
import com.squareup.moshi.JsonEncodingException;
import com.squareup.moshi.JsonReader;
import com.squareup.moshi.JsonWriter;
import dev.sheepdog.adapter.openai.JsonValueAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import okio.Buffer;

/**
 * Whole JSON documents, untyped, through the OpenAI adapter's {@link JsonValueAdapter}: numbers
 * keep their literal's kind, so a forwarded {@code "seed": 42} is not turned into {@code 42.0}.
 */
final class Json {
  private Json() {}

  /** The value of a whole document; throws {@link MalformedJsonException} for anything else. */
  static Object parse(byte[] body) {
    Buffer buffer = new Buffer().write(body);
    try {
      JsonReader reader = JsonValueAdapter.reader(buffer);
      // a member named twice is refused: the gateway and the upstream might read different ones
      Object value = JsonValueAdapter.STRICT.fromJson(reader);
      if (reader.peek() != JsonReader.Token.END_DOCUMENT) {
        throw new MalformedJsonException("unexpected content after the JSON value");
      }
      return value;
    } catch (JsonEncodingException | JsonDataException e) {
      throw new MalformedJsonException(e.getMessage());
    } catch (IOException e) {
      throw new MalformedJsonException("the body could not be read: " + e.getMessage());
    }
  }

  static String write(Object value) {
    return new String(writeBytes(writer -> JsonValueAdapter.INSTANCE.toJson(writer, value)), StandardCharsets.UTF_8);
  }

  /** What {@link #writeBytes} writes with. */
  interface Writing {
    void write(JsonWriter writer) throws IOException;
  }

  /** The UTF-8 bytes of what {@code writing} writes, nulls included. */
  static byte[] writeBytes(Writing writing) {
    Buffer buffer = new Buffer();
    try (JsonWriter writer = JsonWriter.of(buffer)) {
      writer.setSerializeNulls(true);
      writing.write(writer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.readByteArray();
  }

  /** The body is not JSON; the message says where, never echoing the body. */
  static final class MalformedJsonException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedJsonException(String message) {
      super(message);
    }
  }
}
