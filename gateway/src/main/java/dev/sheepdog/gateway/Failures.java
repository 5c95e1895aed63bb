package dev.sheepdog.gateway;

import dev.sheepdog.core.AllModelsFailedException;
import dev.sheepdog.core.BudgetExceededException;
import dev.sheepdog.core.DeadlineExceededException;
import dev.sheepdog.core.RequestNotServableException;
import dev.sheepdog.core.RequestRejectedException;
import dev.sheepdog.core.StreamInterruptedException;
import dev.sheepdog.spi.FailureKind;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/**
 * Turns a routing failure into the error a client sees. Messages are the gateway's own words plus,
 * for a request an upstream refused, the upstream's reason with anything key-shaped masked: an
 * upstream may echo the credential it was sent, and that credential is the operator's.
 */
final class Failures {
  /** A retry hint when the router has none; long enough that clients do not hammer a failing gateway. */
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  // a key-ish prefix followed by a long run holding a digit: keys have digits, words like tokens_per_minute do not
  private static final Pattern KEY_SHAPED = Pattern.compile(
      "(?i)\\b(sk|key|token|bearer)[-_ ]?(?=[A-Za-z0-9_\\-.]*\\d)[A-Za-z0-9_\\-.]{8,}");

  private Failures() {}

  static ApiError toApiError(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof AllModelsFailedException all) {
      Duration retryAfter = all.retryAfter().orElse(DEFAULT_RETRY_AFTER);
      String deferredId = all.deferredId().orElse(null);
      // the router flags only requests held back before any call; one whose every call got a 429 is as throttled
      boolean rateLimited = all.rateLimited() || !all.attempts().isEmpty()
          && all.failureKinds().size() == all.attempts().size()
          && all.failureKinds().stream().allMatch(kind -> kind == FailureKind.RATE_LIMITED);
      boolean overloaded = !all.attempts().isEmpty() && all.failureKinds().size() == all.attempts().size()
          && all.failureKinds().stream().allMatch(kind -> kind == FailureKind.OVERLOADED);
      String message = (rateLimited ? "every model is rate-limited"
          : overloaded ? "every model is at the gateway's limit of calls in flight to its upstream"
          : "every model failed")
          + " (" + all.attempts().size() + " attempts" + kinds(all) + ")"
          + (deferredId != null ? "; the request was deferred as " + deferredId + ": its answer will be at GET "
              + ClientDeferred.url(deferredId) : "");
      return rateLimited
          ? new ApiError(429, message, "rate_limit_error", "rate_limit_exceeded", null, retryAfter, deferredId)
          : new ApiError(503, message, "server_error", "all_models_failed", null, retryAfter, deferredId);
    }
    if (cause instanceof RequestRejectedException rejected) {
      int status = rejected.httpStatus() >= 400 && rejected.httpStatus() < 500 && rejected.httpStatus() != 401
          && rejected.httpStatus() != 403 && rejected.httpStatus() != 429 ? rejected.httpStatus() : 400;
      return new ApiError(status, "the request was refused by " + rejected.model() + ": "
          + mask(rejected.providerMessage()), "invalid_request_error", code(rejected.kind()), null, null, null);
    }
    if (cause instanceof RequestNotServableException unservable) {
      // the request as it is can never be served: the caller's to change, so not retried, not deferred
      return switch (unservable.reason()) {
        case PROMPT_TOO_LONG -> new ApiError(400, unservable.getMessage(), "invalid_request_error",
            "context_length_exceeded", "messages", null, null);
        case OVER_MAX_COST -> new ApiError(400, unservable.getMessage(), "invalid_request_error",
            "max_cost_exceeded", "X-Sheepdog-Max-Cost-Usd", null, null);
        case OVER_TOKEN_LIMIT -> new ApiError(400, unservable.getMessage(), "invalid_request_error",
            "tokens_per_minute_exceeded", "max_tokens", null, null);
      };
    }
    if (cause instanceof DeadlineExceededException deadline) {
      return new ApiError(504, "no model answered within the deadline of " + deadline.deadline().toMillis() + " ms",
          "timeout_error", "deadline_exceeded", null, null, null);
    }
    if (cause instanceof BudgetExceededException) {
      return new ApiError(429, "the daily spend cap is reached", "insufficient_quota", "budget_exceeded", null, null,
          null);
    }
    if (cause instanceof StreamInterruptedException interrupted) {
      return new ApiError(502, "the stream from " + interrupted.model() + " broke after "
          + interrupted.chunksDelivered() + " chunks (" + code(interrupted.kind()) + ")", "server_error",
          "stream_interrupted", null, null, null);
    }
    return ApiError.internal();
  }

  static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static String kinds(AllModelsFailedException all) {
    var kinds = all.failureKinds().stream().distinct().map(Failures::code).toList();
    return kinds.isEmpty() ? "" : ": " + String.join(", ", kinds);
  }

  private static String code(FailureKind kind) {
    return kind == FailureKind.CONTEXT_TOO_LONG ? "context_length_exceeded" : kind.name().toLowerCase(Locale.ROOT);
  }

  static String mask(String text) {
    return text == null ? "" : KEY_SHAPED.matcher(text).replaceAll("[redacted]");
  }
}
