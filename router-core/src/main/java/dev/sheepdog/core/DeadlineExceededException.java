package dev.sheepdog.core;

import java.time.Duration;
import java.util.List;

/** The request's deadline passed before any model answered; the call in flight was cancelled. */
public final class DeadlineExceededException extends RoutingException {
  private static final long serialVersionUID = 1L;

  private final transient Duration deadline;

  DeadlineExceededException(String requestId, Duration deadline, List<Attempt> attempts) {
    super(requestId, "no answer within the deadline of " + deadline.toMillis() + " ms; " + trail(attempts), attempts);
    this.deadline = deadline;
  }

  public Duration deadline() {
    return deadline;
  }
}
