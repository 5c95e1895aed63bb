package dev.sheepdog.core;

import dev.sheepdog.spi.RouterException;
import java.util.List;

/** A request that ended without an answer; carries the attempt trail. */
public abstract class RoutingException extends RouterException {
  private static final long serialVersionUID = 1L;

  private final String requestId;
  private final transient List<Attempt> attempts;

  RoutingException(String requestId, String message, List<Attempt> attempts) {
    super(message);
    this.requestId = requestId;
    this.attempts = List.copyOf(attempts);
  }

  public String requestId() {
    return requestId;
  }

  /** Every provider call made for the request, in order. */
  public List<Attempt> attempts() {
    return attempts;
  }

  static String trail(List<Attempt> attempts) {
    return attempts.isEmpty() ? "no model was called" : "attempts: " + attempts;
  }
}
