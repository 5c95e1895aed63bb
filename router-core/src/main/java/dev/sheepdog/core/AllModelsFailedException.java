package dev.sheepdog.core;

import dev.sheepdog.spi.FailureKind;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every model of the plan failed, was isolated or was at its limit, and no retry fits the deadline
 * or the retry budget. Says when a retry could succeed and, when the request was parked, its
 * deferred id.
 */
public final class AllModelsFailedException extends RoutingException {
  private static final long serialVersionUID = 1L;

  private final transient Duration retryAfter;
  private final boolean rateLimited;
  private final String deferredId;
  private final String deferralRefusal;

  AllModelsFailedException(String requestId, String reason, List<Attempt> attempts, Duration retryAfter,
      boolean rateLimited, String deferredId, String deferralRefusal) {
    super(requestId, message(reason, attempts, retryAfter, deferredId, deferralRefusal), attempts);
    this.retryAfter = retryAfter;
    this.rateLimited = rateLimited;
    this.deferredId = deferredId;
    this.deferralRefusal = deferralRefusal;
  }

  private static String message(String reason, List<Attempt> attempts, Duration retryAfter, String deferredId,
      String refusal) {
    StringBuilder sb = new StringBuilder("all models failed: ").append(reason).append("; ").append(trail(attempts));
    if (retryAfter != null) {
      sb.append("; retry after ").append(retryAfter.toMillis()).append(" ms");
    }
    if (deferredId != null) {
      sb.append("; deferred as ").append(deferredId);
    } else if (refusal != null) {
      sb.append("; not deferred: ").append(refusal);
    }
    return sb.toString();
  }

  AllModelsFailedException withDeferral(String deferredId, String refusal) {
    AllModelsFailedException copy = new AllModelsFailedException(requestId(), reasonOf(getMessage()), attempts(),
        retryAfter, rateLimited, deferredId, refusal);
    copy.setStackTrace(getStackTrace());
    for (Throwable s : getSuppressed()) {
      copy.addSuppressed(s);
    }
    return copy;
  }

  private static String reasonOf(String message) {
    String rest = message.substring("all models failed: ".length());
    int end = rest.indexOf("; ");
    return end < 0 ? rest : rest.substring(0, end);
  }

  /** How long until a model may be admitted again (a circuit half-opens, a 429 expires). */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Whether every candidate was held back by a rate limit (its own or the provider's 429). */
  public boolean rateLimited() {
    return rateLimited;
  }

  /** The id under which the request was parked for replay. */
  public Optional<String> deferredId() {
    return Optional.ofNullable(deferredId);
  }

  /** Why the request was not parked though the caller allowed it (the queue was full, …). */
  public Optional<String> deferralRefusal() {
    return Optional.ofNullable(deferralRefusal);
  }

  /** The failure kinds seen, in order. */
  public List<FailureKind> failureKinds() {
    return attempts().stream().map(Attempt::failure).filter(k -> k != null).toList();
  }
}
