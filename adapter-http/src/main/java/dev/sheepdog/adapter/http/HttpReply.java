package dev.sheepdog.adapter.http;

import java.util.Objects;
import org.eclipse.jetty.http.HttpFields;

/**
 * A whole 2xx reply, as {@link HttpCalls#send} hands it to a {@link ReplyReader}: its status, its
 * headers and its body, decoded as UTF-8 (at most {@link HttpCalls#maxBytes(int) maxBytes} of it).
 *
 * @param status the HTTP status, 200 to 299
 * @param headers the reply's headers
 * @param body the body, empty for none
 */
public record HttpReply(int status, HttpFields headers, String body) {
  public HttpReply {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
  }

  /** The value of the header {@code name}, or {@code null} when the reply has none. */
  public String header(String name) {
    return headers.get(name);
  }
}
