package dev.sheepdog.wire.openai;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.JsonDataException;
import com.squareup.moshi.JsonReader;
import com.squareup.moshi.JsonWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okio.Okio;
import okio.Source;

/**
 * Reads and writes untyped JSON ({@code Map}, {@code List}, {@code String}, {@code Boolean},
 * numbers, {@code null}) so that pass-through members survive a round trip unchanged.
 *
 * <p>Moshi's own adapter for {@code Object} reads every number as a {@code Double}, which would
 * forward {@code "seed": 42} as {@code 42.0} and lose precision above 2<sup>53</sup>. Here every
 * number is written back as it was read:
 *
 * <ul>
 *   <li>an integer that fits a {@code long} becomes a {@code Long} ({@code -0} excepted);
 *   <li>a literal a {@code double} prints back the same ({@code 0.7}, {@code 1.0E-7}, not {@code
 *       1.0} or {@code 1e-7}) becomes a {@code Double};
 *   <li>any other becomes a {@link JsonNumber}, which keeps the literal and is written as it.
 * </ul>
 *
 * <p>Each number costs time linear in its literal's length, whatever that length: literals longer
 * than a {@code long} or a {@code double} can print are never converted to anything. Doubles made
 * in code are written as integers when they have integral values ({@code 42.0} as {@code 42}):
 * OpenAI rejects {@code 42.0} for integer fields.
 */
public final class JsonValueAdapter extends JsonAdapter<Object> {
  /** Reads an object that names a member twice as if the last one were the only one; for upstream answers. */
  public static final JsonValueAdapter INSTANCE = new JsonValueAdapter(false);

  /**
   * Refuses an object that names a member twice with a {@link JsonDataException} naming the
   * member (its first {@value #MAX_NAME_IN_MESSAGE} characters, and nothing else of the input);
   * for bodies from clients. JSON leaves duplicates to the reader, and readers differ: a gateway
   * that checked the first {@code model} while a proxy behind it used the second would be checking
   * the wrong request.
   */
  public static final JsonValueAdapter STRICT = new JsonValueAdapter(true);

  private static final int MAX_NAME_IN_MESSAGE = 64;

  /** The longest literal read as a {@code Long} or {@code Double}: {@code -2.2250738585072014E-308}. */
  static final int SHORT_LITERAL = 24;

  private final boolean refuseDuplicates;

  private JsonValueAdapter(boolean refuseDuplicates) {
    this.refuseDuplicates = refuseDuplicates;
  }

  /**
   * A reader of the JSON in {@code utf8} that costs time linear in its length; read documents
   * through it rather than through {@code JsonReader.of(buffer)}.
   *
   * <p>Moshi scans a number literal, and a run of whitespace, by indexing into its buffer byte by
   * byte. Handed a buffer that holds the whole document, each index walks that buffer's segments
   * from the nearer end, and a long literal costs time quadratic in its length (8 MB, 5 s).
   * Through a buffered source Moshi's buffer holds little beyond the bytes it is scanning, and
   * each index is found at once.
   */
  public static JsonReader reader(Source utf8) {
    return JsonReader.of(Okio.buffer(utf8));
  }

  @Override
  public Object fromJson(JsonReader reader) throws IOException {
    switch (reader.peek()) {
      case BEGIN_OBJECT: {
        Map<String, Object> map = new LinkedHashMap<>();
        reader.beginObject();
        while (reader.hasNext()) {
          String name = reader.nextName();
          if (refuseDuplicates && map.containsKey(name)) {
            throw new JsonDataException("duplicate member name \"" + shortened(name) + '"');
          }
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
        return number(reader, reader.nextString());
      case BOOLEAN:
        return reader.nextBoolean();
      case NULL:
        return reader.nextNull();
      default:
        throw new JsonDataException(
            "expected a JSON value but was " + reader.peek() + " at path " + reader.getPath());
    }
  }

  /** At most {@value #MAX_NAME_IN_MESSAGE} characters of {@code name}, control characters as {@code ?}. */
  private static String shortened(String name) {
    int end = name.length();
    if (end > MAX_NAME_IN_MESSAGE) {
      // never half of a surrogate pair
      end = Character.isHighSurrogate(name.charAt(MAX_NAME_IN_MESSAGE - 1)) ? MAX_NAME_IN_MESSAGE - 1 : MAX_NAME_IN_MESSAGE;
    }
    StringBuilder shown = new StringBuilder(end + 1);
    for (int i = 0; i < end; i++) {
      char c = name.charAt(i);
      shown.append(Character.isISOControl(c) ? '?' : c);
    }
    return end < name.length() ? shown.append('…').toString() : shown.toString();
  }

  private static Number number(JsonReader reader, String literal) {
    try {
      return number(literal);
    } catch (NumberFormatException e) {
      // only from readers of Java values (fromJsonValue), whose numbers can print as NaN
      throw new JsonDataException("expected a finite JSON number at path " + reader.getPath());
    }
  }

  /**
   * The number written as {@code literal}: a {@code Long} for an integer that fits one, a {@code
   * Double} for a short literal that a double prints back the same, and a {@link JsonNumber}
   * holding the literal otherwise. Time linear in the literal's length: only literals of at most
   * {@value #SHORT_LITERAL} characters are converted.
   */
  static Number number(String literal) {
    int length = literal.length();
    if (length <= SHORT_LITERAL) {
      Long integer = canonicalLong(literal);
      if (integer != null) {
        return integer;
      }
    }
    JsonNumber exact = JsonNumber.of(literal);
    if (length <= SHORT_LITERAL) {
      double asDouble = exact.doubleValue();
      // 1.0 is not kept as a double: doubles with integral values are written as integers
      if (!Double.isInfinite(asDouble) && !writtenAsInteger(asDouble) && Double.toString(asDouble).equals(literal)) {
        return asDouble;
      }
    }
    return exact;
  }

  /** The value of an integer literal that {@code Long.toString} writes back the same, or null. */
  private static Long canonicalLong(String literal) {
    if (literal.isEmpty()) {
      return null;
    }
    int start = literal.charAt(0) == '-' ? 1 : 0;
    int digits = literal.length() - start;
    if (digits < 1 || digits > 19 || (literal.charAt(start) == '0' && (digits > 1 || start == 1))) {
      // none, too many, a leading zero (not JSON) or -0 (written back as 0)
      return null;
    }
    for (int i = start; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    if (digits == 19 && literal.substring(start).compareTo(start == 1 ? "9223372036854775808" : "9223372036854775807") > 0) {
      return null;
    }
    return Long.parseLong(literal);
  }

  private static boolean writtenAsInteger(double d) {
    return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15;
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
      if (writtenAsInteger(d)) {
        writer.value((long) d);
      } else {
        writer.value(d);
      }
    } else {
      writer.value(number);
    }
  }
}
