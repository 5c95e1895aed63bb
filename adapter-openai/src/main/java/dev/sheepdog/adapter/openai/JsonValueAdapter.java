package dev.sheepdog.adapter.openai;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.JsonReader;
import com.squareup.moshi.JsonWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes untyped JSON ({@code Map}, {@code List}, {@code String}, {@code Boolean},
 * numbers, {@code null}) so that pass-through members survive a round trip unchanged.
 *
 * <p>Moshi's own adapter for {@code Object} reads every number as a {@code Double}, which would
 * forward {@code "seed": 42} as {@code 42.0} and lose precision above 2<sup>53</sup>. Here an
 * integral literal becomes a {@code Long} (or a {@code BigInteger} when it does not fit) and any
 * other number a {@code Double}, or a {@code BigDecimal} when a double would not print it back
 * the same way.
 */
public final class JsonValueAdapter extends JsonAdapter<Object> {
  public static final JsonValueAdapter INSTANCE = new JsonValueAdapter();

  private JsonValueAdapter() {}

  @Override
  public Object fromJson(JsonReader reader) throws IOException {
    switch (reader.peek()) {
      case BEGIN_OBJECT: {
        Map<String, Object> map = new LinkedHashMap<>();
        reader.beginObject();
        while (reader.hasNext()) {
          String name = reader.nextName();
          map.put(name, fromJson(reader));
        }
        reader.endObject();
        return map;
      }
      case BEGIN_ARRAY: {
        List<Object> list = new ArrayList<>();
        reader.beginArray();
        while (reader.hasNext()) {
          list.add(fromJson(reader));
        }
        reader.endArray();
        return list;
      }
      case STRING:
        return reader.nextString();
      case NUMBER:
        return number(reader.nextString());
      case BOOLEAN:
        return reader.nextBoolean();
      case NULL:
        return reader.nextNull();
      default:
        throw new com.squareup.moshi.JsonDataException(
            "expected a JSON value but was " + reader.peek() + " at path " + reader.getPath());
    }
  }

  static Number number(String literal) {
    boolean integral = literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0;
    if (integral) {
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException tooLarge) {
        return new BigInteger(literal);
      }
    }
    double asDouble = Double.parseDouble(literal);
    BigDecimal exact = new BigDecimal(literal);
    if (!Double.isInfinite(asDouble) && new BigDecimal(Double.toString(asDouble)).compareTo(exact) == 0) {
      return asDouble;
    }
    return exact;
  }

  @Override
  public void toJson(JsonWriter writer, Object value) throws IOException {
    if (value == null) {
      writer.nullValue();
    } else if (value instanceof Map<?, ?> map) {
      writer.beginObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        writer.name(String.valueOf(e.getKey()));
        toJson(writer, e.getValue());
      }
      writer.endObject();
    } else if (value instanceof Iterable<?> iterable) {
      writer.beginArray();
      for (Object element : iterable) {
        toJson(writer, element);
      }
      writer.endArray();
    } else if (value instanceof Object[] array) {
      writer.beginArray();
      for (Object element : array) {
        toJson(writer, element);
      }
      writer.endArray();
    } else if (value instanceof CharSequence text) {
      writer.value(text.toString());
    } else if (value instanceof Boolean bool) {
      writer.value(bool.booleanValue());
    } else if (value instanceof Number number) {
      writeNumber(writer, number);
    } else if (value instanceof Enum<?> constant) {
      writer.value(constant.name());
    } else {
      throw new IllegalArgumentException(
          "cannot write a " + value.getClass().getName()
              + " as JSON; pass-through values must be maps, lists, strings, numbers, booleans or null");
    }
  }

  private static void writeNumber(JsonWriter writer, Number number) throws IOException {
    if (number instanceof Double || number instanceof Float) {
      double d = number.doubleValue();
      // 42.0 that started life as a double is still sent as 42: OpenAI rejects 42.0 for integer fields
      if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
        writer.value((long) d);
      } else {
        writer.value(d);
      }
    } else {
      writer.value(number);
    }
  }
}
