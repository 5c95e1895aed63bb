package dev.sheepdog.spi;

import java.time.Duration;

/**
 * Per-call settings the router passes to a provider.
 *
 * @param timeout how long this attempt may take in all; the provider fails with {@link
 *     FailureKind#TIMEOUT} when it passes (the router also enforces it)
 * @param requestId the router's id for the request, for the provider's logs and headers
 */
public record CallOptions(Duration timeout, String requestId) {
  public CallOptions {
    Checks.notNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    Checks.notBlank(requestId, "request id");
  }

  public static CallOptions of(Duration timeout, String requestId) {
    return new CallOptions(timeout, requestId);
  }
}
