package dev.sheepdog.testkit;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Usage;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link ScriptedProvider} does for one call. Build with the static factories; adjust with
 * the withers, which return new outcomes.
 */
public final class Outcome {
  enum Type { OK, FAIL, HANG, STREAM }

  final Type type;
  final Duration latency;
  final String content;
  final Usage usage;
  final FailureKind kind;
  final int httpStatus;
  final Duration retryAfter;
  final List<String> chunks;
  final Duration interChunk;
  final int failAfterChunks;
  final boolean runningUsage;

  private Outcome(Type type, Duration latency, String content, Usage usage, FailureKind kind, int httpStatus,
      Duration retryAfter, List<String> chunks, Duration interChunk, int failAfterChunks) {
    this(type, latency, content, usage, kind, httpStatus, retryAfter, chunks, interChunk, failAfterChunks, false);
  }

  private Outcome(Type type, Duration latency, String content, Usage usage, FailureKind kind, int httpStatus,
      Duration retryAfter, List<String> chunks, Duration interChunk, int failAfterChunks, boolean runningUsage) {
    this.type = type;
    this.latency = Objects.requireNonNull(latency, "latency");
    this.content = content;
    this.usage = usage;
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.retryAfter = retryAfter;
    this.chunks = chunks;
    this.interChunk = interChunk;
    this.failAfterChunks = failAfterChunks;
    this.runningUsage = runningUsage;
  }

  /** Answers at once with a short text and usage estimated from the request. */
  public static Outcome ok() {
    return ok("ok");
  }

  public static Outcome ok(String content) {
    return new Outcome(Type.OK, Duration.ZERO, content, null, null, 0, null, null, Duration.ZERO, -1);
  }

  public static Outcome ok(Duration latency) {
    return ok().after(latency);
  }

  /** Fails with the given kind and status, as an adapter would classify it. */
  public static Outcome fail(FailureKind kind, int httpStatus) {
    return new Outcome(Type.FAIL, Duration.ZERO, null, null, kind, httpStatus, null, null, Duration.ZERO, -1);
  }

  public static Outcome fail(FailureKind kind) {
    return fail(kind, defaultStatus(kind));
  }

  /** 429 with a {@code Retry-After}. */
  public static Outcome rateLimited(Duration retryAfter) {
    return new Outcome(Type.FAIL, Duration.ZERO, null, null, FailureKind.RATE_LIMITED, 429, retryAfter, null,
        Duration.ZERO, -1);
  }

  /** Never answers on its own; ends only by cancellation or (if honoured) the call's timeout. */
  public static Outcome hang() {
    return new Outcome(Type.HANG, Duration.ZERO, null, null, null, 0, null, null, Duration.ZERO, -1);
  }

  /** A stream of the given text chunks, then a normal end. */
  public static Outcome stream(String... chunks) {
    return new Outcome(Type.STREAM, Duration.ZERO, String.join("", chunks), null, null, 0, null, List.of(chunks),
        Duration.ZERO, -1);
  }

  /** The same stream, failing with {@code kind} after {@code chunks} chunks were delivered. */
  public Outcome failingAfter(int chunks, FailureKind kind) {
    if (type != Type.STREAM) {
      throw new IllegalStateException("only a stream can fail after chunks");
    }
    return new Outcome(type, latency, content, usage, kind, 0, null, this.chunks, interChunk, chunks, runningUsage);
  }

  /** Delays the answer (or the first chunk) by {@code latency}. */
  public Outcome after(Duration latency) {
    return new Outcome(type, latency, content, usage, kind, httpStatus, retryAfter, chunks, interChunk,
        failAfterChunks, runningUsage);
  }

  /** Waits {@code gap} between chunks of a stream. */
  public Outcome every(Duration gap) {
    return new Outcome(type, latency, content, usage, kind, httpStatus, retryAfter, chunks, gap, failAfterChunks,
        runningUsage);
  }

  /** Reports this usage instead of an estimate. */
  public Outcome withUsage(Usage usage) {
    return new Outcome(type, latency, content, usage, kind, httpStatus, retryAfter, chunks, interChunk,
        failAfterChunks, runningUsage);
  }

  /**
   * Reports no usage at all, as a provider or adapter that omits it does: the answer's {@code
   * usage} is {@code null}, a stream sends no usage chunk. The router then estimates the cost.
   */
  public Outcome withoutUsage() {
    return withUsage(UNREPORTED);
  }

  /** The marker of {@link #withoutUsage}; compared by identity. */
  static final Usage UNREPORTED = new Usage(0, 0);

  public Outcome withUsage(long promptTokens, long completionTokens) {
    return withUsage(new Usage(promptTokens, completionTokens));
  }

  /**
   * A stream whose every text chunk carries the usage billed so far, as some providers report it:
   * the prompt tokens and the completion tokens in proportion to the chunks sent (the whole
   * completion with the last one). A stream cut short has then told what it billed.
   */
  public Outcome withRunningUsage() {
    if (type != Type.STREAM) {
      throw new IllegalStateException("only a stream reports usage per chunk");
    }
    return new Outcome(type, latency, content, usage, kind, httpStatus, retryAfter, chunks, interChunk,
        failAfterChunks, true);
  }

  public boolean isFailure() {
    return type == Type.FAIL;
  }

  private static int defaultStatus(FailureKind kind) {
    switch (kind) {
      case UNAVAILABLE: return 503;
      case RATE_LIMITED: return 429;
      case UNAUTHORIZED: return 401;
      case BAD_REQUEST: return 400;
      case CONTEXT_TOO_LONG: return 400;
      case CONTENT_FILTERED: return 400;
      default: return 0;
    }
  }

  @Override
  public String toString() {
    switch (type) {
      case OK: return "ok(" + latency.toMillis() + "ms)";
      case FAIL: return kind + (httpStatus > 0 ? "(" + httpStatus + ")" : "");
      case HANG: return "hang";
      default: return "stream" + chunks + (failAfterChunks >= 0 ? " failing after " + failAfterChunks : "");
    }
  }
}
