package dev.sheepdog.adapter.openai;

import java.util.Locale;

/**
 * Which HTTP version a provider speaks to its upstream (on the default, Jetty transport; an
 * OkHttp client given to share negotiates as it is configured).
 */
public enum HttpVersionPolicy {
  /** HTTP/2 when the server offers it over TLS (ALPN), HTTP/1.1 otherwise and on plain http. */
  AUTO("auto"),
  /** HTTP/1.1 only. */
  HTTP_1_1("1.1"),
  /** HTTP/2 only: over TLS by ALPN, on plain http by prior knowledge (h2c). */
  HTTP_2("2");

  private final String configName;

  HttpVersionPolicy(String configName) {
    this.configName = configName;
  }

  /** As written in configuration: {@code auto}, {@code 1.1} or {@code 2}. */
  public String configName() {
    return configName;
  }

  /** Reads {@code auto}, {@code 1.1} or {@code 2} (also {@code http/1.1}, {@code h2}, {@code 2.0}). */
  public static HttpVersionPolicy parse(String text) {
    String wanted = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    return switch (wanted) {
      case "auto" -> AUTO;
      case "1.1", "http/1.1", "http1.1" -> HTTP_1_1;
      case "2", "2.0", "h2", "http/2", "http2" -> HTTP_2;
      default -> throw new IllegalArgumentException("expected auto, 1.1 or 2 as the HTTP version");
    };
  }
}
