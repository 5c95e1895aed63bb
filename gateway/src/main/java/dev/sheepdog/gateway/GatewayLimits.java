package dev.sheepdog.gateway;

import java.time.Duration;
import java.util.Objects;

/**
 * What one client may cost the gateway, in connections, bytes and time. Every limit has a
 * default fit for an LLM gateway on a private network; {@code docs/gateway.md} ("Limits and
 * abuse") lists what a client gets past each.
 *
 * @param maxConnections connections served at once; a connection opened beyond it has its
 *     request answered 503 with {@code Retry-After} and is closed
 * @param maxHeaderBytes the request line and headers together; larger ones get 431 (or 414)
 * @param headerTimeout how long a connection may take to send a request's headers, from its
 *     opening or from its previous response; past it, 408 and the connection is closed
 * @param bodyTimeout how long a request body may take to arrive in full; past it, 408
 * @param minRequestBytesPerSecond the slowest a body may arrive, on average, after the first
 *     {@link #RATE_GRACE}; slower, 408. 0 turns the check off
 * @param minResponseBytesPerSecond the slowest a client may take a response: a write not taken
 *     within {@link #RATE_GRACE} plus its size at this rate cuts the connection. 0 turns it off
 * @param maxStreamBufferBytes how much of a stream may wait for a client that reads slower than the
 *     upstream writes; past it, the upstream call is cancelled and the stream ends with an error
 *     event
 */
public record GatewayLimits(
    int maxConnections,
    int maxHeaderBytes,
    Duration headerTimeout,
    Duration bodyTimeout,
    long minRequestBytesPerSecond,
    long minResponseBytesPerSecond,
    long maxStreamBufferBytes) {

  /** Slack before the data rates apply: a client may pause this long, whatever the rate. */
  public static final Duration RATE_GRACE = Duration.ofSeconds(10);

  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  public static final long DEFAULT_MIN_REQUEST_RATE = 1024;
  public static final long DEFAULT_MIN_RESPONSE_RATE = 1024;
  public static final long DEFAULT_MAX_STREAM_BUFFER_BYTES = 256 * 1024;

  public GatewayLimits {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be positive, was " + maxConnections);
    }
    if (maxHeaderBytes < 1024) {
      throw new IllegalArgumentException("maxHeaderBytes must be at least 1024, was " + maxHeaderBytes);
    }
    positive(headerTimeout, "headerTimeout");
    positive(bodyTimeout, "bodyTimeout");
    if (minRequestBytesPerSecond < 0) {
      throw new IllegalArgumentException("minRequestBytesPerSecond must not be negative, was "
          + minRequestBytesPerSecond);
    }
    if (minResponseBytesPerSecond < 0) {
      throw new IllegalArgumentException("minResponseBytesPerSecond must not be negative, was "
          + minResponseBytesPerSecond);
    }
    if (maxStreamBufferBytes < 1024) {
      throw new IllegalArgumentException("maxStreamBufferBytes must be at least 1024, was " + maxStreamBufferBytes);
    }
  }

  /** Every limit at its default. */
  public static GatewayLimits defaults() {
    return new GatewayLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HEADER_BYTES, DEFAULT_HEADER_TIMEOUT,
        DEFAULT_BODY_TIMEOUT, DEFAULT_MIN_REQUEST_RATE, DEFAULT_MIN_RESPONSE_RATE, DEFAULT_MAX_STREAM_BUFFER_BYTES);
  }

  /** A builder starting from {@code limits}. */
  public static Builder builder(GatewayLimits limits) {
    return new Builder(limits);
  }

  /**
   * Where Jetty stops accepting: the limit plus a band (an eighth, at least 64) of connections that
   * are accepted only to be told 503, so that a flood waits in the kernel's backlog instead of
   * costing memory here.
   */
  int acceptCeiling() {
    long ceiling = (long) maxConnections + Math.max(64, maxConnections / 8);
    return (int) Math.min(Integer.MAX_VALUE, ceiling);
  }

  private static void positive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + duration);
    }
  }

  /** Changes some limits of a starting set; {@link #build()} checks them. */
  public static final class Builder {
    private int maxConnections;
    private int maxHeaderBytes;
    private Duration headerTimeout;
    private Duration bodyTimeout;
    private long minRequestBytesPerSecond;
    private long minResponseBytesPerSecond;
    private long maxStreamBufferBytes;

    private Builder(GatewayLimits from) {
      maxConnections = from.maxConnections;
      maxHeaderBytes = from.maxHeaderBytes;
      headerTimeout = from.headerTimeout;
      bodyTimeout = from.bodyTimeout;
      minRequestBytesPerSecond = from.minRequestBytesPerSecond;
      minResponseBytesPerSecond = from.minResponseBytesPerSecond;
      maxStreamBufferBytes = from.maxStreamBufferBytes;
    }

    public Builder maxConnections(int maxConnections) {
      this.maxConnections = maxConnections;
      return this;
    }

    public Builder maxHeaderBytes(int maxHeaderBytes) {
      this.maxHeaderBytes = maxHeaderBytes;
      return this;
    }

    public Builder headerTimeout(Duration headerTimeout) {
      this.headerTimeout = headerTimeout;
      return this;
    }

    public Builder bodyTimeout(Duration bodyTimeout) {
      this.bodyTimeout = bodyTimeout;
      return this;
    }

    public Builder minRequestBytesPerSecond(long rate) {
      this.minRequestBytesPerSecond = rate;
      return this;
    }

    public Builder minResponseBytesPerSecond(long rate) {
      this.minResponseBytesPerSecond = rate;
      return this;
    }

    public Builder maxStreamBufferBytes(long bytes) {
      this.maxStreamBufferBytes = bytes;
      return this;
    }

    public GatewayLimits build() {
      return new GatewayLimits(maxConnections, maxHeaderBytes, headerTimeout, bodyTimeout, minRequestBytesPerSecond,
          minResponseBytesPerSecond, maxStreamBufferBytes);
    }
  }
}
