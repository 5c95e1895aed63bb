package dev.sheepdog.adapter.openai.internal;

/**
 * A reply's headers as failure classification reads them, whichever transport carried the reply:
 * {@code okhttp3.Headers::get} or {@code HttpFields::get}.
 */
@FunctionalInterface
public interface HeaderLookup {
  /** The first value of the header named {@code name}, case-insensitively; {@code null} if absent. */
  String get(String name);
}
