package dev.sheepdog.gateway;

import dev.sheepdog.wire.openai.OpenAiError;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An error answer in OpenAI's shape, {@code {"error":{"message","type","code","param"}}}, with its
 * HTTP status. Messages are written by the gateway, never copied from a stack trace.
 *
 * @param retryAfter sent as {@code Retry-After} when not {@code null}
 * @param deferredId the id under which the request was parked for replay, or {@code null}
 */
record ApiError(int status, String message, String type, String code, String param, Duration retryAfter,
    String deferredId) {
  ApiError {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status must be an error status, was " + status);
    }
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(type, "type");
  }

  static ApiError badRequest(String message, String code, String param) {
    return new ApiError(400, message, "invalid_request_error", code, param, null, null);
  }

  static ApiError unauthorized(String message) {
    return new ApiError(401, message, "invalid_request_error", "invalid_api_key", null, null, null);
  }

  static ApiError notFound(String message, String code, String param) {
    return new ApiError(404, message, "invalid_request_error", code, param, null, null);
  }

  static ApiError tooLarge(long limit) {
    return new ApiError(413, limit > 0 ? "the request body is larger than " + limit + " bytes"
        : "the request is too large", "invalid_request_error",
        "request_too_large", null, null, null);
  }

  /** The request's headers or body did not arrive in time, or arrived too slowly. */
  static ApiError requestTimeout(String message) {
    return new ApiError(408, message, "invalid_request_error", "request_timeout", null, null, null);
  }

  /** Refused before anything else is looked at; {@code code} says which rule. */
  static ApiError forbidden(String message, String code) {
    return new ApiError(403, message, "invalid_request_error", code, null, null, null);
  }

  /** The gateway is draining for shutdown: another instance (or this one, restarted) should be tried. */
  static ApiError shuttingDown() {
    return new ApiError(503, "the gateway is shutting down; retry on another connection", "server_error",
        "shutting_down", null, Duration.ofSeconds(1), null);
  }

  /** The connection opened while the gateway served its maximum of connections. */
  static ApiError tooManyConnections() {
    return new ApiError(503, "the gateway serves its maximum of connections; retry shortly", "server_error",
        "too_many_connections", null, Duration.ofSeconds(1), null);
  }

  static ApiError internal() {
    return new ApiError(500, "the gateway failed to handle the request", "server_error", "internal_error", null,
        null, null);
  }

  private static final Set<String> CLOSING_CODES = Set.of("request_timeout", "request_too_large", "shutting_down",
      "too_many_connections");

  /** Whether the connection is closed after this answer: it stops a client that is too slow or too many. */
  boolean closesConnection() {
    return code != null && CLOSING_CODES.contains(code);
  }

  /** Whole seconds, rounded up: {@code Retry-After} has no fractions and 0 would invite a hot loop. */
  String retryAfterSeconds() {
    return Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000));
  }

  String toJson() {
    Map<String, Object> more = new LinkedHashMap<>();
    if (deferredId != null) {
      more.put("deferred_id", deferredId);
      more.put("deferred_url", ClientDeferred.url(deferredId));
    }
    return new OpenAiError(message, type, code, param, status).toJson(more);
  }
}
