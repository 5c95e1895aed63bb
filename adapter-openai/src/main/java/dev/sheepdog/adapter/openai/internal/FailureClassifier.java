package dev.sheepdog.adapter.openai.internal;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.HttpFailures;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.wire.openai.OpenAiError;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what an OpenAI-compatible upstream did into a {@link ProviderException}: the one place
 * where statuses, error codes, headers and socket exceptions are read. The router acts on the
 * kind alone.
 *
 * <p>Every message is built from the provider's reply, scrubbed of secrets in case the upstream
 * echoes them, then truncated; causes that mention a secret are dropped. The secrets are the
 * configured values themselves, replaced wherever they occur, as they are and as JSON and URLs
 * encode them: the API key, and the organization, project and extra header values of at least
 * {@value #MIN_SECRET_LENGTH} characters (shorter ones are not secrets worth the name, and
 * masking them would garble ordinary words). Anything shaped like an OpenAI key ({@code sk-…})
 * is masked too. Masking costs time linear in the text: {@code String.replace}, no pattern built
 * from a secret.
 */
public final class FailureClassifier {
  /** Longer provider messages are cut: they end up in logs, events and error replies. */
  public static final int MAX_MESSAGE_LENGTH = 500;

  private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|us|µs|ns|m|s)");
  private static final String HEX = "0123456789ABCDEF";
  private static final Pattern KEY_LIKE = Pattern.compile("\\bsk-[A-Za-z0-9_\\-]{6,}");
  private static final String REDACTED = "[redacted]";
  static final int MIN_SECRET_LENGTH = 8;
  /** Longer than any wait is written: {@code Wed, 21 Oct 2015 07:28:00 GMT}, {@code 1h2m3.5s}. */
  static final int MAX_WAIT_LENGTH = 64;

  /** The secrets in every form masked, longest first, so that one inside another is masked whole. */
  private final List<String> masked;
  private final Duration defaultRetryAfter;
  private final Duration maxRetryAfter;
  private final Clock clock;

  /**
   * @param apiKey the API key, masked whatever its length; null for none
   * @param otherConfigured the organization, project and extra header values; those of at least
   *     {@value #MIN_SECRET_LENGTH} characters are masked
   */
  public FailureClassifier(String apiKey, Collection<String> otherConfigured, Duration defaultRetryAfter,
      Duration maxRetryAfter, Clock clock) {
    Set<String> forms = new LinkedHashSet<>();
    if (apiKey != null && !apiKey.isEmpty()) {
      addForms(forms, apiKey);
    }
    for (String value : otherConfigured) {
      if (value != null && value.length() >= MIN_SECRET_LENGTH) {
        addForms(forms, value);
      }
    }
    List<String> longestFirst = new ArrayList<>(forms);
    longestFirst.sort(Comparator.comparingInt(String::length).reversed());
    this.masked = List.copyOf(longestFirst);
    this.defaultRetryAfter = defaultRetryAfter;
    this.maxRetryAfter = maxRetryAfter;
    this.clock = clock;
  }

  /** A reply with a non-2xx status. */
  public ProviderException fromHttp(int status, HeaderLookup headers, String body) {
    OpenAiError error = OpenAiError.parse(body);
    FailureKind kind = kindOf(status, error);
    Duration retryAfter = kind == FailureKind.RATE_LIMITED ? retryAfter(headers) : null;
    return new ProviderException(kind, status, message(error.message()), retryAfter, null);
  }

  /**
   * An error object inside a 2xx reply or a stream, where the status says nothing: classified by
   * its type and code, and {@link FailureKind#UNAVAILABLE} when those say nothing either.
   */
  public ProviderException fromErrorObject(int status, Object errorJson) {
    OpenAiError error = OpenAiError.of(errorJson);
    int impliedStatus = error.status() > 0 ? error.status() : 0;
    FailureKind kind = impliedStatus >= 400 ? kindOf(impliedStatus, error) : kindOfCodes(error, FailureKind.UNAVAILABLE);
    Duration retryAfter = kind == FailureKind.RATE_LIMITED ? defaultRetryAfter : null;
    return new ProviderException(kind, status, message(error.message()), retryAfter, null);
  }

  /**
   * A call that failed below HTTP: refused, reset, timed out, whichever transport saw it. A call
   * the caller cancelled is {@link FailureKind#CANCELLED} whatever the exception says.
   */
  public ProviderException fromTransport(Throwable failure, boolean cancelledByCaller) {
    Throwable seen = failure instanceof TransportFailure && failure.getCause() != null ? failure.getCause() : failure;
    if (cancelledByCaller) {
      return new ProviderException(FailureKind.CANCELLED, 0, "cancelled", null, safeCause(seen));
    }
    FailureKind kind = kindOfTransport(seen);
    return new ProviderException(kind, 0, message(describe(seen)), null, safeCause(seen));
  }

  static FailureKind kindOfTransport(Throwable failure) {
    if (failure instanceof ResponseTooLargeException) {
      return FailureKind.MALFORMED_RESPONSE;
    }
    if (failure instanceof InterruptedIOException || failure instanceof TimeoutException) {
      // SocketTimeoutException (connect, read), OkHttp's call timeout, Jetty's idle and total timeouts
      return FailureKind.TIMEOUT;
    }
    if (failure instanceof RejectedExecutionException) {
      // a client's own queue refused the call: nothing was sent
      return FailureKind.OVERLOADED;
    }
    if (failure instanceof IOException) {
      return FailureKind.UNAVAILABLE;
    }
    return FailureKind.MALFORMED_RESPONSE;
  }

  public ProviderException streamCut(boolean sawData) {
    return new ProviderException(
        FailureKind.MALFORMED_RESPONSE,
        200,
        sawData
            ? "the stream ended before its end marker and without a finish reason"
            : "the stream ended before any event",
        null,
        null);
  }

  /**
   * The status table every HTTP adapter shares ({@link HttpFailures#kindOf}), refined by what
   * OpenAI's error document says: a 429 out of quota is out of credit, and a 4xx may name the
   * context length or the content filter.
   */
  static FailureKind kindOf(int status, OpenAiError error) {
    if (status == 429 && error.hasCode("insufficient_quota")) {
      // out of credit: nothing on this provider will work until someone pays
      return FailureKind.UNAUTHORIZED;
    }
    FailureKind kind = HttpFailures.kindOf(status);
    return kind == FailureKind.BAD_REQUEST ? kindOfCodes(error, FailureKind.BAD_REQUEST) : kind;
  }

  private static FailureKind kindOfCodes(OpenAiError error, FailureKind otherwise) {
    if (error.hasCode("context_length_exceeded") || mentionsContextLength(error)) {
      return FailureKind.CONTEXT_TOO_LONG;
    }
    if (error.hasCode("content_filter") || error.hasCode("content_policy_violation")) {
      return FailureKind.CONTENT_FILTERED;
    }
    if (otherwise != FailureKind.UNAVAILABLE) {
      return otherwise;
    }
    if (error.hasCode("rate_limit_exceeded") || error.hasCode("rate_limit_error")) {
      return FailureKind.RATE_LIMITED;
    }
    if (error.hasCode("invalid_api_key") || error.hasCode("authentication_error")) {
      return FailureKind.UNAUTHORIZED;
    }
    if (error.hasCode("invalid_request_error")) {
      return FailureKind.BAD_REQUEST;
    }
    return otherwise;
  }

  /**
   * How long a 429 asks us to wait: {@code retry-after-ms}, then {@code Retry-After} (seconds or
   * an HTTP date), then the later of OpenAI's {@code x-ratelimit-reset-*} durations; the default
   * when none is given; never more than the cap, never negative. A value longer than {@value
   * #MAX_WAIT_LENGTH} characters is not read.
   */
  public Duration retryAfter(HeaderLookup headers) {
    Duration wait = millis(waitHeader(headers, "retry-after-ms"));
    if (wait == null) {
      wait = retryAfterHeader(waitHeader(headers, "Retry-After"));
    }
    if (wait == null) {
      wait = later(goDuration(waitHeader(headers, "x-ratelimit-reset-requests")),
          goDuration(waitHeader(headers, "x-ratelimit-reset-tokens")));
    }
    if (wait == null) {
      wait = defaultRetryAfter;
    }
    if (wait.isNegative()) {
      return Duration.ZERO;
    }
    return wait.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : wait;
  }

  /**
   * The header's value, unless it is longer than any wait is written: the upstream picks its
   * length, and reading it costs more than linear time (a decimal, a pattern that backtracks).
   */
  private static String waitHeader(HeaderLookup headers, String name) {
    String value = headers.get(name);
    return value == null || value.length() > MAX_WAIT_LENGTH ? null : value;
  }

  private static Duration millis(String value) {
    BigDecimal number = decimal(value);
    return number == null ? null : Duration.ofNanos(saturatedNanos(number.multiply(BigDecimal.valueOf(1_000_000L))));
  }

  /** {@code Retry-After} in seconds or as an HTTP date, read as every HTTP adapter reads it. */
  private Duration retryAfterHeader(String value) {
    return HttpFailures.retryAfter(value, clock.instant()).orElse(null);
  }

  /** Go's duration syntax, as OpenAI sends it: {@code 1s}, {@code 6m0s}, {@code 20ms}, {@code 1h2m3.5s}. */
  static Duration goDuration(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String text = value.trim();
    Matcher part = GO_DURATION_PART.matcher(text);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (part.find() && part.start() == end) {
      BigDecimal amount = new BigDecimal(part.group(1));
      long unit = switch (part.group(2)) {
        case "h" -> 3_600_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "s" -> 1_000_000_000L;
        case "ms" -> 1_000_000L;
        case "us", "µs" -> 1_000L;
        default -> 1L;
      };
      nanos = nanos.add(amount.multiply(BigDecimal.valueOf(unit)));
      end = part.end();
    }
    if (end == 0 || end != text.length()) {
      BigDecimal bare = decimal(text);
      // some servers send plain seconds here
      return bare == null ? null : Duration.ofNanos(saturatedNanos(bare.multiply(BigDecimal.valueOf(1_000_000_000L))));
    }
    return Duration.ofNanos(saturatedNanos(nanos));
  }

  private static Duration later(Duration a, Duration b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static BigDecimal decimal(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return new BigDecimal(value.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static long saturatedNanos(BigDecimal nanos) {
    return nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : nanos.longValue();
  }

  /** The provider's message, truncated and without the key. */
  public String message(String text) {
    if (text == null) {
      return "";
    }
    String redacted = redact(text.strip());
    return redacted.length() <= MAX_MESSAGE_LENGTH ? redacted : redacted.substring(0, MAX_MESSAGE_LENGTH) + "…";
  }

  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String secret : masked) {
      out = out.replace(secret, REDACTED);
    }
    return KEY_LIKE.matcher(out).replaceAll(REDACTED);
  }

  private boolean mentionsSecret(String text) {
    if (text == null) {
      return false;
    }
    for (String secret : masked) {
      if (text.contains(secret)) {
        return true;
      }
    }
    return KEY_LIKE.matcher(text).find();
  }

  /**
   * {@code failure} with its message scrubbed and its cause dropped if a secret shows in it: for
   * failures made outside this class from what the upstream sent (a malformed answer), before
   * they leave the adapter. The same failure when there is nothing to scrub.
   */
  public ProviderException scrubbed(ProviderException failure) {
    String message = failure.providerMessage();
    Throwable cause = failure.getCause();
    Throwable safe = safeCause(cause);
    if (!mentionsSecret(message) && safe == cause) {
      return failure;
    }
    ProviderException clean = new ProviderException(
        failure.kind(), failure.httpStatus(), redact(message), failure.retryAfter().orElse(null), safe);
    clean.setStackTrace(failure.getStackTrace());
    return clean;
  }

  /** The secret as given, and as a JSON string or a URL would carry it. */
  private static void addForms(Set<String> forms, String secret) {
    forms.add(secret);
    String json = secret.replace("\\", "\\\\").replace("\"", "\\\"");
    forms.add(json);
    forms.add(json.replace("/", "\\/"));
    StringBuilder upper = new StringBuilder();
    for (byte b : secret.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
        upper.append(c);
      } else {
        upper.append('%').append(HEX.charAt((b >> 4) & 0xf)).append(HEX.charAt(b & 0xf));
      }
    }
    forms.add(upper.toString());
    forms.add(lowerCaseEscapes(upper));
  }

  private static String lowerCaseEscapes(CharSequence percentEncoded) {
    StringBuilder lower = new StringBuilder(percentEncoded);
    for (int i = 0; i < lower.length(); i++) {
      if (lower.charAt(i) == '%') {
        lower.setCharAt(i + 1, Character.toLowerCase(lower.charAt(i + 1)));
        lower.setCharAt(i + 2, Character.toLowerCase(lower.charAt(i + 2)));
        i += 2;
      }
    }
    return lower.toString();
  }

  private String describe(Throwable failure) {
    String message = failure.getMessage();
    return message == null || message.isBlank()
        ? failure.getClass().getSimpleName()
        : failure.getClass().getSimpleName() + ": " + message;
  }

  /** The cause itself, unless a secret shows in it, its causes or what they suppressed. */
  private Throwable safeCause(Throwable failure) {
    return failure == null || mentionsSecretDeep(failure, Collections.newSetFromMap(new IdentityHashMap<>()))
        ? null
        : failure;
  }

  private boolean mentionsSecretDeep(Throwable t, Set<Throwable> seen) {
    if (t == null || !seen.add(t)) {
      return false;
    }
    if (mentionsSecret(t.getMessage()) || mentionsSecret(t.toString())) {
      return true;
    }
    for (Throwable suppressed : t.getSuppressed()) {
      if (mentionsSecretDeep(suppressed, seen)) {
        return true;
      }
    }
    return mentionsSecretDeep(t.getCause(), seen);
  }

  /** Whether an error's message says the prompt did not fit the model's context window. */
  private static boolean mentionsContextLength(OpenAiError error) {
    if (error.message() == null) {
      return false;
    }
    String text = error.message().toLowerCase(Locale.ROOT);
    return text.contains("maximum context length")
        || text.contains("context_length_exceeded")
        || text.contains("context length exceeded")
        || text.contains("context window")
        || text.contains("prompt is too long");
  }
}
