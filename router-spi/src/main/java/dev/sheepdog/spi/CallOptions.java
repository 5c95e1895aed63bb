package dev.sheepdog.spi;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Per-call settings the router passes to a provider.
 *
 * @param timeout how long this attempt may take in all; the provider fails with {@link
 *     FailureKind#TIMEOUT} when it passes (the router also enforces it)
 * @param requestId the router's id for the request, for the provider's logs and headers
 * @param headers extra headers for this call, from the router's {@link CallHeaders} (a trace's
 *     {@code traceparent}, for one); a provider that speaks HTTP sends them, never letting them
 *     replace its own credentials
 */
public record CallOptions(Duration timeout, String requestId, Map<String, String> headers) {
  /** An HTTP header name (RFC 9110's token), checked once per extra header of every call. */
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

  public CallOptions {
    Checks.notNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    Checks.notBlank(requestId, "request id");
    Checks.notNull(headers, "headers");
    if (!headers.isEmpty()) {
      headers.forEach((name, value) -> {
        if (name == null || !HEADER_NAME.matcher(name).matches()) {
          throw new IllegalArgumentException("not a header name: " + name);
        }
        if (value == null || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
          throw new IllegalArgumentException("the value of header " + name + " is missing or holds a line break");
        }
      });
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    } else {
      headers = Map.of();
    }
  }

  /** Without extra headers. */
  public CallOptions(Duration timeout, String requestId) {
    this(timeout, requestId, Map.of());
  }

  public static CallOptions of(Duration timeout, String requestId) {
    return new CallOptions(timeout, requestId);
  }

  /** These options with {@code headers} as the call's extra headers. */
  public CallOptions withHeaders(Map<String, String> headers) {
    return new CallOptions(timeout, requestId, headers);
  }
}
