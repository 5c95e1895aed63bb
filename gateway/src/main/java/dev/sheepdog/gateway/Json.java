package dev.sheepdog.gateway;

import com.squareup.moshi.JsonDataException;
import com.squareup.moshi.JsonEncodingException;
import com.squareup.moshi.JsonReader;
import com.squareup.moshi.JsonWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okio.Buffer;

/**
 * Untyped JSON on Moshi's streaming reader and writer. Numbers keep their literal's kind: an
 * integral literal stays a {@code Long} (or {@code BigInteger}), so a forwarded {@code "seed": 42}
 * is not turned into {@code 42.0} on its way upstream.
 */
final class Json {
  private Json() {}

  /** The value of a whole document; throws {@link MalformedJsonException} for anything else. */
  static Object parse(byte[] body) {
    Buffer buffer = new Buffer().write(body);
    try {
      JsonReader reader = JsonReader.of(buffer);
      Object value = read(reader);
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

  private static Object read(JsonReader reader) throws IOException {
    switch (reader.peek()) {
      case BEGIN_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        reader.beginObject();
        while (reader.hasNext()) {
          map.put(reader.nextName(), read(reader));
        }
        reader.endObject();
        return map;
      }
      case BEGIN_ARRAY -> {
        List<Object> list = new ArrayList<>();
        reader.beginArray();
        while (reader.hasNext()) {
          list.add(read(reader));
        }
        reader.endArray();
        return list;
      }
      case STRING -> {
        return reader.nextString();
      }
      case NUMBER -> {
        return number(reader.nextString());
      }
      case BOOLEAN -> {
        return reader.nextBoolean();
      }
      case NULL -> {
        return reader.nextNull();
      }
      default -> throw new MalformedJsonException("expected a JSON value at " + reader.getPath());
    }
  }

  private static Number number(String literal) {
    if (literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0) {
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException tooLarge) {
        return new BigInteger(literal);
      }
    }
    double asDouble = Double.parseDouble(literal);
    BigDecimal exact = new BigDecimal(literal);
    return !Double.isInfinite(asDouble) && new BigDecimal(Double.toString(asDouble)).compareTo(exact) == 0
        ? (Number) asDouble : exact;
  }

  static String write(Object value) {
    Buffer buffer = new Buffer();
    try (JsonWriter writer = JsonWriter.of(buffer)) {
      writer.setSerializeNulls(true);
      write(writer, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.readUtf8();
  }

  private static void write(JsonWriter writer, Object value) throws IOException {
    if (value == null) {
      writer.nullValue();
    } else if (value instanceof Map<?, ?> map) {
      writer.beginObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        writer.name(String.valueOf(e.getKey()));
        write(writer, e.getValue());
      }
      writer.endObject();
    } else if (value instanceof Iterable<?> iterable) {
      writer.beginArray();
      for (Object element : iterable) {
        write(writer, element);
      }
      writer.endArray();
    } else if (value instanceof CharSequence text) {
      writer.value(text.toString());
    } else if (value instanceof Boolean bool) {
      writer.value(bool.booleanValue());
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      // 42.0 that was read as a double still goes out as 42: OpenAI clients reject 42.0 for integer fields
      if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
        writer.value((long) d);
      } else {
        writer.value(d);
      }
    } else if (value instanceof Number number) {
      writer.value(number);
    } else {
      writer.value(value.toString());
    }
  }

  /** The body is not JSON; the message says where, never echoing the body. */
  static final class MalformedJsonException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedJsonException(String message) {
      super(message);
    }
  }
}
