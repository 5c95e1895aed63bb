package dev.sheepdog.core;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import java.util.List;

/**
 * No planned model could ever serve the request as it is: its prompt is longer than every
 * model's context window, it would cost more than its own {@code maxCost} everywhere, or it
 * reserves more tokens than any model's tokens-per-minute limit. Found before any call, from the
 * router's estimates; retrying or deferring the same request cannot help, so it is neither
 * retried nor deferred. A gateway answers it as a client error.
 *
 * <p>When the planned models fail different checks, the reason is the last check some model got
 * to (context window, then cost, then tokens per minute): the one limit that stands between the
 * request and a model, so the message tells the caller what to change.
 */
public final class RequestNotServableException extends RoutingException {
  private static final long serialVersionUID = 1L;

  private final Reason reason;
  private final ModelId model;
  private final long estimate;
  private final long limit;

  RequestNotServableException(String requestId, Reason reason, ModelId model, long estimate, long limit) {
    super(requestId, message(reason, model, estimate, limit), List.of());
    this.reason = reason;
    this.model = model;
    this.estimate = estimate;
    this.limit = limit;
  }

  private static String message(Reason reason, ModelId model, long estimate, long limit) {
    String why = switch (reason) {
      case PROMPT_TOO_LONG -> "the prompt is estimated at " + estimate
          + " tokens, more than the largest context window of the planned models (" + limit + " tokens, " + model + ")";
      case OVER_MAX_COST -> "the request is estimated to cost at least " + Money.ofNanos(estimate) + " (on " + model
          + "), more than its max cost of " + Money.ofNanos(limit);
      case OVER_TOKEN_LIMIT -> "the request reserves " + estimate
          + " tokens (the prompt estimate plus max_tokens for each choice), more than the largest tokens-per-minute"
          + " limit of the planned models (" + limit + ", " + model + ")";
    };
    return "the request cannot be served: " + why;
  }

  /** Which limit no planned model can meet. */
  public Reason reason() {
    return reason;
  }

  /** The planned model that came closest: the widest window, the cheapest, or the largest tpm. */
  public ModelId model() {
    return model;
  }

  /**
   * The request's estimate, in the reason's unit: prompt tokens ({@link Reason#PROMPT_TOO_LONG}),
   * nano-dollars of the cheapest planned model ({@link Reason#OVER_MAX_COST}), or tokens reserved
   * ({@link Reason#OVER_TOKEN_LIMIT}). Always above {@link #limit()}.
   */
  public long estimate() {
    return estimate;
  }

  /**
   * The limit it exceeds, in the same unit: the largest context window among the planned models,
   * the request's max cost, or the largest tokens-per-minute limit among the planned models.
   */
  public long limit() {
    return limit;
  }

  /** Why a request can never be served by its plan. */
  public enum Reason {
    /** The prompt estimate is above every planned model's context window. */
    PROMPT_TOO_LONG,
    /** The estimated cost is above the request's {@code maxCost} on every planned model it fits. */
    OVER_MAX_COST,
    /**
     * The reservation (prompt estimate plus output estimate) is above the tokens-per-minute limit
     * of every planned model it fits within cost.
     */
    OVER_TOKEN_LIMIT
  }
}
