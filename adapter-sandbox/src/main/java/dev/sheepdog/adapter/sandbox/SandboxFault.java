package dev.sheepdog.adapter.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * A fault injected into one simulated model, until it is healed.
 *
 * @param kind what goes wrong
 * @param factor how many times slower calls are, for {@link Kind#SLOWDOWN}; {@code 1} otherwise
 * @param retryAfter what the 429s ask for, for {@link Kind#RATE_LIMIT}; {@code null} otherwise
 */
public record SandboxFault(Kind kind, double factor, Duration retryAfter) {
  /** What a fault does to each call that arrives while it is on. */
  public enum Kind {
    /** Every call fails at once with HTTP 503. */
    OUTAGE,
    /** Every call takes {@code factor} times its drawn latency. */
    SLOWDOWN,
    /** Every call fails at once with HTTP 429 and {@code Retry-After}. */
    RATE_LIMIT,
    /** Calls get no answer at all, until they time out or are cancelled. */
    STALL,
    /** Streams break after half their chunks; complete answers and embeddings fail as cut short. */
    BROKEN_STREAM;

    /** The lower-case name used on the wire and in config: {@code rate_limit}, {@code broken_stream}. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The kind whose {@link #wireName()} is {@code name}, in any case; the error lists the names. */
    public static Kind ofWireName(String name) {
      for (Kind kind : values()) {
        if (kind.wireName().equalsIgnoreCase(name == null ? "" : name.strip())) {
          return kind;
        }
      }
      throw new IllegalArgumentException("fault must be one of " + java.util.Arrays.stream(values())
          .map(Kind::wireName).toList() + ", was " + name);
    }
  }

  public SandboxFault {
    Objects.requireNonNull(kind, "fault");
    if (kind == Kind.SLOWDOWN) {
      if (!(factor >= 1) || Double.isInfinite(factor)) {
        throw new IllegalArgumentException("factor must be a finite number of at least 1, was " + factor);
      }
    } else {
      factor = 1;
    }
    if (kind == Kind.RATE_LIMIT) {
      Objects.requireNonNull(retryAfter, "retry_after");
      if (retryAfter.isNegative() || retryAfter.isZero()) {
        throw new IllegalArgumentException("retry_after must be positive, was " + retryAfter);
      }
    } else {
      retryAfter = null;
    }
  }

  public static SandboxFault outage() {
    return new SandboxFault(Kind.OUTAGE, 1, null);
  }

  public static SandboxFault slowdown(double factor) {
    return new SandboxFault(Kind.SLOWDOWN, factor, null);
  }

  public static SandboxFault rateLimit(Duration retryAfter) {
    return new SandboxFault(Kind.RATE_LIMIT, 1, retryAfter);
  }

  public static SandboxFault stall() {
    return new SandboxFault(Kind.STALL, 1, null);
  }

  public static SandboxFault brokenStream() {
    return new SandboxFault(Kind.BROKEN_STREAM, 1, null);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case SLOWDOWN -> "slowdown x" + factor;
      case RATE_LIMIT -> "rate_limit (retry after " + retryAfter + ")";
      default -> kind.wireName();
    };
  }
}
