package dev.sheepdog.spi;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Argument checks shared by the value records; messages name the offending field. */
final class Checks {
  private Checks() {}

  static String notBlank(String value, String field) {
    Objects.requireNonNull(value, () -> field + " must not be null");
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    return value;
  }

  static <T> T notNull(T value, String field) {
    return Objects.requireNonNull(value, () -> field + " must not be null");
  }

  static long notNegative(long value, String field) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must not be negative, was " + value);
    }
    return value;
  }

  static <T> T[] noNulls(T[] values, String field) {
    for (T value : values) {
      Objects.requireNonNull(value, () -> field + " must not contain null");
    }
    return values;
  }

  static <T> void noNulls(Collection<T> values, String field) {
    Objects.requireNonNull(values, () -> field + " must not be null");
    for (T value : values) {
      Objects.requireNonNull(value, () -> field + " must not contain null");
    }
  }

  /**
   * An unmodifiable copy that keeps insertion order and null values: pass-through JSON members
   * are forwarded as they came, {@code "stop": null} included.
   */
  static Map<String, Object> passThrough(Map<String, ?> map, String field) {
    if (map == null || map.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> copy = new LinkedHashMap<>(map.size() * 2);
    for (Map.Entry<String, ?> e : map.entrySet()) {
      copy.put(Objects.requireNonNull(e.getKey(), () -> field + " must not contain a null key"), e.getValue());
    }
    return Collections.unmodifiableMap(copy);
  }
}
