package dev.sheepdog.core;

import java.util.List;

/** A daily spend cap with the reject action is reached: no model may be called until the day rolls. */
public final class BudgetExceededException extends RoutingException {
  private static final long serialVersionUID = 1L;

  BudgetExceededException(String requestId, List<Attempt> attempts) {
    super(requestId, "a daily spend cap is reached; requests are rejected until it resets", attempts);
  }
}
