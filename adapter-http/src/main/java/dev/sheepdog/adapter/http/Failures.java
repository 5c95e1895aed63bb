package dev.sheepdog.adapter.http;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.HttpFailures;
import dev.sheepdog.spi.ProviderException;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/** How a call that brought no answer is classified: its status, or what went wrong below HTTP. */
final class Failures {
  private Failures() {}

  static boolean isSuccess(int status) {
    return status >= 200 && status < 300;
  }

  /** An error reply: its status, {@code Retry-After}, and the message the adapter finds in its body. */
  static ProviderException ofReply(int status, HttpFields headers, String body, ErrorReader errors,
      Redactor redactor) {
    String message;
    try {
      message = errors.message(body);
    } catch (Exception unreadable) {
      message = null;
    }
    if (message == null || message.isBlank()) {
      message = body;
    }
    String retryAfter = headers == null ? null : headers.get(HttpHeader.RETRY_AFTER);
    return HttpFailures.of(status, retryAfter, redactor.mask(message), Instant.now());
  }

  /**
   * A call that failed before a whole reply: a {@link ProviderException} the adapter or this module
   * raised as it is; a timeout (total, idle, first line) {@code TIMEOUT}; a reply Jetty could not
   * parse {@code MALFORMED_RESPONSE}; a 401 or 407 a client's authentication handler refused, by its
   * status; anything else (refused, reset, closed) {@code UNAVAILABLE}.
   */
  static ProviderException ofFailure(Throwable failure, ErrorReader errors, Redactor redactor) {
    if (failure instanceof ProviderException known) {
      return redactor.clean(known);
    }
    if (failure instanceof HttpResponseException refused && refused.getCause() == null) {
      Response response = refused.getResponse();
      if (response != null && response.getStatus() >= 400) {
        // an authentication handler's refusal (no challenge header): the status is still the upstream's
        return ofReply(response.getStatus(), response.getHeaders(), "", errors, redactor);
      }
    }
    FailureKind kind = timedOut(failure) ? FailureKind.TIMEOUT
        : failure instanceof HttpResponseException ? FailureKind.MALFORMED_RESPONSE // not HTTP: Jetty's own status
        : FailureKind.UNAVAILABLE;
    return new ProviderException(kind, 0, redactor.mask(describe(failure)), null, redactor.safeCause(failure));
  }

  static ProviderException malformed(int status, String message, Throwable cause, Redactor redactor) {
    return new ProviderException(FailureKind.MALFORMED_RESPONSE, status, redactor.mask(message), null,
        redactor.safeCause(cause));
  }

  /** What an adapter's reader or line handler threw: its own classification, or an unreadable reply. */
  static ProviderException ofReader(Throwable thrown, int status, String what, Redactor redactor) {
    if (thrown instanceof ProviderException known) {
      return redactor.clean(known);
    }
    return malformed(status, what + ": " + describe(thrown), thrown, redactor);
  }

  private static boolean timedOut(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  static String describe(Throwable failure) {
    String message = failure.getMessage();
    return message == null || message.isBlank() ? failure.getClass().getSimpleName()
        : failure.getClass().getSimpleName() + ": " + message;
  }
}
