package dev.sheepdog.spi;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * How an HTTP adapter classifies an upstream's error reply: the status → {@link FailureKind}
 * table every HTTP adapter shares, and {@code Retry-After} read in both of its forms. JDK only.
 *
 * <table>
 *   <caption>The status table</caption>
 *   <tr><th>status</th><th>kind</th></tr>
 *   <tr><td>401, 403</td><td>{@link FailureKind#UNAUTHORIZED}</td></tr>
 *   <tr><td>402 (out of credit)</td><td>{@link FailureKind#UNAUTHORIZED}: waiting will not help</td></tr>
 *   <tr><td>429</td><td>{@link FailureKind#RATE_LIMITED}, with the wait {@code Retry-After} gives</td></tr>
 *   <tr><td>408, 409, 500 and every other 5xx (504 too)</td><td>{@link FailureKind#UNAVAILABLE}</td></tr>
 *   <tr><td>400, 404, 405, 413, 415, 422 and every other 4xx</td><td>{@link FailureKind#BAD_REQUEST}</td></tr>
 *   <tr><td>anything else where an answer was expected (1xx, 2xx, 3xx)</td><td>{@link FailureKind#UNAVAILABLE}</td></tr>
 * </table>
 *
 * <p>An adapter whose upstream says more in its error document (OpenAI's {@code
 * context_length_exceeded}, say) refines {@link #kindOf} with it; one whose upstream says nothing
 * more calls {@link #of} and is done:
 *
 * <pre>{@code
 * ProviderException failure = HttpFailures.of(response.getStatus(), response.getHeaders().get("Retry-After"),
 *     errorMessage, Instant.now());
 * }</pre>
 */
public final class HttpFailures {
  /** Longer upstream messages are cut: they end up in logs, events and error replies. */
  public static final int MAX_MESSAGE_LENGTH = 500;

  /** Longer than any wait is written ({@code Wed, 21 Oct 2015 07:28:00 GMT}); longer values are not read. */
  public static final int MAX_RETRY_AFTER_LENGTH = 64;

  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

  private HttpFailures() {}

  /**
   * The failure an error reply stands for: its kind by {@link #kindOf}, its status, the upstream's
   * message (at most {@value #MAX_MESSAGE_LENGTH} characters of it), and for a 429 the wait {@code
   * Retry-After} asks for, or none when it gives none.
   *
   * @param status the reply's HTTP status
   * @param retryAfterHeader the reply's {@code Retry-After} value, or {@code null}
   * @param upstreamMessage the message of the upstream's error document (never one built from the
   *     request, which carries the key); {@code null} for none. The adapter masks any secret the
   *     upstream may have echoed before passing it here.
   * @param now the time the reply arrived, against which an HTTP date is read
   */
  public static ProviderException of(int status, String retryAfterHeader, String upstreamMessage, Instant now) {
    FailureKind kind = kindOf(status);
    Duration wait = kind == FailureKind.RATE_LIMITED ? retryAfter(retryAfterHeader, now).orElse(null) : null;
    return new ProviderException(kind, status, truncate(upstreamMessage), wait, null);
  }

  /** The kind an HTTP status says by itself: see the table above. */
  public static FailureKind kindOf(int status) {
    if (status == 401 || status == 403 || status == 402) {
      return FailureKind.UNAUTHORIZED;
    }
    if (status == 429) {
      return FailureKind.RATE_LIMITED;
    }
    if (status == 408 || status == 409 || status >= 500) {
      return FailureKind.UNAVAILABLE;
    }
    if (status >= 400) {
      return FailureKind.BAD_REQUEST;
    }
    return FailureKind.UNAVAILABLE;
  }

  /**
   * The wait a {@code Retry-After} value asks for: seconds ({@code 7}; a fraction such as {@code
   * 1.5} is read too) or an HTTP date ({@code Wed, 21 Oct 2015 07:28:00 GMT}) counted from {@code
   * now}. Never negative: a date in the past is no wait at all. Empty when the value is absent,
   * blank, unreadable or longer than {@value #MAX_RETRY_AFTER_LENGTH} characters (the upstream picks
   * its length, and reading a long number costs more than linear time).
   */
  public static Optional<Duration> retryAfter(String header, Instant now) {
    if (header == null || header.isBlank() || header.length() > MAX_RETRY_AFTER_LENGTH) {
      return Optional.empty();
    }
    String value = header.trim();
    Duration wait;
    try {
      BigDecimal nanos = new BigDecimal(value).multiply(NANOS_PER_SECOND);
      wait = nanos.signum() < 0 ? Duration.ZERO
          : Duration.ofNanos(nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : nanos.longValue());
    } catch (NumberFormatException notSeconds) {
      try {
        wait = Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
    return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
  }

  private static String truncate(String message) {
    if (message == null) {
      return "";
    }
    String text = message.strip();
    return text.length() <= MAX_MESSAGE_LENGTH ? text : text.substring(0, MAX_MESSAGE_LENGTH) + "…";
  }
}
