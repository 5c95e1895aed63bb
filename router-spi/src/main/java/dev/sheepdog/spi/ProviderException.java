package dev.sheepdog.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * A provider call that failed, classified. Adapters create these; the router acts on {@link
 * #kind()}.
 *
 * <p>The message holds the provider's own message and status. It must never contain an API key:
 * adapters build it from the provider's reply, not from the request they sent.
 */
public class ProviderException extends RouterException {
  private static final long serialVersionUID = 1L;

  private final FailureKind kind;
  private final int httpStatus;
  private final String providerMessage;
  private final transient Duration retryAfter;

  public ProviderException(FailureKind kind, int httpStatus, String providerMessage, Duration retryAfter, Throwable cause) {
    super(describe(kind, httpStatus, providerMessage), cause);
    this.kind = Checks.notNull(kind, "failure kind");
    this.httpStatus = httpStatus;
    this.providerMessage = providerMessage == null ? "" : providerMessage;
    this.retryAfter = retryAfter;
  }

  public ProviderException(FailureKind kind, int httpStatus, String providerMessage) {
    this(kind, httpStatus, providerMessage, null, null);
  }

  public static ProviderException of(FailureKind kind, String message) {
    return new ProviderException(kind, 0, message);
  }

  public static ProviderException rateLimited(Duration retryAfter, String message) {
    return new ProviderException(FailureKind.RATE_LIMITED, 429, message, retryAfter, null);
  }

  private static String describe(FailureKind kind, int status, String message) {
    StringBuilder sb = new StringBuilder(kind.name());
    if (status > 0) {
      sb.append(" (HTTP ").append(status).append(')');
    }
    if (message != null && !message.isEmpty()) {
      sb.append(": ").append(message);
    }
    return sb.toString();
  }

  public FailureKind kind() {
    return kind;
  }

  /** The HTTP status, or {@code 0} when the failure had none (a reset, a timeout). */
  public int httpStatus() {
    return httpStatus;
  }

  public String providerMessage() {
    return providerMessage;
  }

  /** How long the provider asked us to wait, for {@link FailureKind#RATE_LIMITED}. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
