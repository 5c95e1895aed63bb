package dev.sheepdog.wire.openai;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error document in OpenAI's shape, {@code {"error":{"message","type","code","param"}}}: read
 * leniently from an upstream's reply, written for a client.
 *
 * @param message what went wrong, or {@code null}
 * @param type such as {@code invalid_request_error}, or {@code null}
 * @param code such as {@code context_length_exceeded}, or {@code null}
 * @param param the request member at fault, or {@code null}
 * @param status an HTTP status the document itself names (some servers put it in {@code code} or
 *     {@code status}), or 0
 */
public record OpenAiError(String message, String type, String code, String param, int status) {
  /** A reply that said nothing. */
  public static final OpenAiError NONE = new OpenAiError(null, null, null, null, 0);

  /**
   * Reads an error reply's body: OpenAI nests the error under {@code error}; vLLM and some proxies
   * put its members at the top, or a {@code detail} for the message. A body that is not JSON is the
   * message itself.
   */
  public static OpenAiError parse(String body) {
    if (body == null || body.isBlank()) {
      return NONE;
    }
    Object json;
    try {
      json = WireJson.parse(body);
    } catch (WireFormatException notJson) {
      return new OpenAiError(body, null, null, null, 0);
    }
    if (json instanceof Map<?, ?> map) {
      Object error = map.get("error");
      return error == null ? of(map) : of(error);
    }
    return new OpenAiError(body, null, null, null, 0);
  }

  /** Reads the value of an {@code error} member (an object, or a bare message), or {@link #NONE} for null. */
  public static OpenAiError of(Object error) {
    if (error instanceof Map<?, ?> map) {
      Object message = map.get("message");
      if (message == null) {
        message = map.get("detail");
      }
      Object code = map.get("code");
      Object status = map.get("status");
      int implied = code instanceof Number n ? n.intValue() : status instanceof Number s ? s.intValue() : 0;
      return new OpenAiError(textOf(message), textOf(map.get("type")),
          code == null || code instanceof Number ? null : String.valueOf(code), textOf(map.get("param")), implied);
    }
    return error == null ? NONE : new OpenAiError(String.valueOf(error), null, null, null, 0);
  }

  private static String textOf(Object value) {
    return value == null ? null : String.valueOf(value);
  }

  /** Whether the code or the type is {@code wanted}: servers differ in which member they use. */
  public boolean hasCode(String wanted) {
    return wanted.equals(code) || wanted.equals(type);
  }

  /** The document for a client, with {@code more} members (such as a deferred id) after the four. */
  public String toJson(Map<String, Object> more) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", message);
    error.put("type", type);
    error.put("code", code);
    error.put("param", param);
    error.putAll(more);
    return WireJson.write(Map.of("error", error));
  }
}
