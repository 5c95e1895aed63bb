package dev.sheepdog.state.redis;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to reach the shared Redis and how to behave when it is slow or gone.
 *
 * @param uri {@code redis://host:port/db}, or {@code rediss://} for TLS; or through Sentinel, {@code
 *     redis-sentinel://host1:26379,host2:26379/db#master} ({@code rediss-sentinel://} for TLS), which
 *     finds the master and follows it when Sentinel fails over; never holds the password
 * @param password the password (from an environment variable), or {@code null} for none
 * @param tls whether to use TLS even for a {@code redis://} URI
 * @param prefix what every key starts with, so several fleets can share one Redis
 * @param hotPathTimeout how long a request may wait for Redis (an admission); at most 5 s
 * @param commandTimeout how long other commands may take (a deferral, a replay's claim)
 * @param isolation how long the store's own breaker keeps Redis out after failures before trying
 *     it again
 * @param failuresToIsolate consecutive failures or timeouts that isolate Redis
 */
public record RedisSettings(String uri, char[] password, boolean tls, String prefix, Duration hotPathTimeout,
    Duration commandTimeout, Duration isolation, int failuresToIsolate) {
  public static final Duration DEFAULT_HOT_PATH_TIMEOUT = Duration.ofMillis(5);
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_ISOLATION = Duration.ofSeconds(1);
  public static final String DEFAULT_PREFIX = "sheepdog";
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  private static final Pattern SCHEMES = Pattern.compile("rediss?(-sentinel)?://");

  public RedisSettings {
    Objects.requireNonNull(uri, "uri must not be null");
    if (!SCHEMES.matcher(uri).lookingAt()) {
      throw new IllegalArgumentException(
          "uri must start with redis://, rediss:// (TLS), redis-sentinel:// or rediss-sentinel://");
    }
    if (uri.substring(uri.indexOf("://") + 3).contains("@")) {
      throw new IllegalArgumentException("uri must not hold a password; give it through an environment variable");
    }
    Objects.requireNonNull(prefix, "prefix must not be null");
    if (!PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException("prefix must be 1 to 64 of A-Z a-z 0-9 _ . : -");
    }
    positive(hotPathTimeout, "hot path timeout");
    if (hotPathTimeout.compareTo(Duration.ofSeconds(5)) > 0) {
      throw new IllegalArgumentException("hot path timeout must be at most 5 s");
    }
    positive(commandTimeout, "command timeout");
    positive(isolation, "isolation");
    if (failuresToIsolate < 1) {
      throw new IllegalArgumentException("failures to isolate must be at least 1");
    }
    password = password == null ? null : password.clone();
  }

  /** Settings with the defaults for everything but where Redis is. */
  public static RedisSettings of(String uri) {
    return new RedisSettings(uri, null, false, DEFAULT_PREFIX, DEFAULT_HOT_PATH_TIMEOUT, DEFAULT_COMMAND_TIMEOUT,
        DEFAULT_ISOLATION, 3);
  }

  public RedisSettings withPrefix(String prefix) {
    return new RedisSettings(uri, password, tls, prefix, hotPathTimeout, commandTimeout, isolation,
        failuresToIsolate);
  }

  public RedisSettings withPassword(char[] password) {
    return new RedisSettings(uri, password, tls, prefix, hotPathTimeout, commandTimeout, isolation,
        failuresToIsolate);
  }

  public RedisSettings withTls(boolean tls) {
    return new RedisSettings(uri, password, tls, prefix, hotPathTimeout, commandTimeout, isolation,
        failuresToIsolate);
  }

  public RedisSettings withHotPathTimeout(Duration timeout) {
    return new RedisSettings(uri, password, tls, prefix, timeout, commandTimeout, isolation, failuresToIsolate);
  }

  public RedisSettings withCommandTimeout(Duration timeout) {
    return new RedisSettings(uri, password, tls, prefix, hotPathTimeout, timeout, isolation, failuresToIsolate);
  }

  public RedisSettings withIsolation(Duration isolation) {
    return new RedisSettings(uri, password, tls, prefix, hotPathTimeout, commandTimeout, isolation,
        failuresToIsolate);
  }

  /** Whether the connection uses TLS. */
  public boolean usesTls() {
    return tls || uri.startsWith("rediss://") || uri.startsWith("rediss-sentinel://");
  }

  private static void positive(Duration duration, String name) {
    Objects.requireNonNull(duration, name + " must not be null");
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  /** The settings without the password, for logs. */
  @Override
  public String toString() {
    return "RedisSettings[" + uri + (usesTls() ? ", tls" : "") + (password != null ? ", password set" : "")
        + ", prefix " + prefix + ", hot path timeout " + hotPathTimeout.toMillis() + " ms]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RedisSettings that && uri.equals(that.uri) && prefix.equals(that.prefix)
        && tls == that.tls && java.util.Arrays.equals(password, that.password)
        && hotPathTimeout.equals(that.hotPathTimeout) && commandTimeout.equals(that.commandTimeout)
        && isolation.equals(that.isolation) && failuresToIsolate == that.failuresToIsolate;
  }

  @Override
  public int hashCode() {
    return Objects.hash(uri, prefix, tls, hotPathTimeout, commandTimeout, isolation, failuresToIsolate);
  }
}
