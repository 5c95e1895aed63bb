package dev.sheepdog.adapter.http;

/**
 * Finds the upstream's message in the body of an error reply (any status outside 2xx), such as
 * the {@code "error"} of {@code {"error": "slow down"}}. The message goes to {@link
 * dev.sheepdog.spi.HttpFailures#of} with the status and {@code Retry-After}, which classify the
 * failure.
 *
 * <pre>{@code
 * ErrorReader errors = body -> ERROR_JSON.fromJson(body).error();
 * }</pre>
 *
 * <p>When it throws, returns {@code null} or returns a blank message, the body itself is the
 * message, so a reply that is not the upstream's error document (a proxy's HTML page, say) still
 * says something. Either way the message is cut to {@value
 * dev.sheepdog.spi.HttpFailures#MAX_MESSAGE_LENGTH} characters, and secrets are masked in it. It
 * runs on the HTTP client's thread: keep it quick.
 */
@FunctionalInterface
public interface ErrorReader {
  /** The body is the message: for an upstream whose errors are plain text. */
  ErrorReader BODY = body -> body;

  /**
   * @param body the error reply's body, decoded as UTF-8; empty for none; cut at {@link
   *     HttpCalls#maxBytes(int) maxBytes}
   * @return the upstream's message, or {@code null} to use the body
   */
  String message(String body) throws Exception;
}
