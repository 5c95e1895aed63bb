package dev.sheepdog.gateway;

import dev.sheepdog.core.deferred.ReplayPolicy;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How the gateway replays deferred requests and tells clients their answers.
 *
 * @param autoReplay whether due entries are replayed on their own; otherwise only through the admin
 *     endpoints
 * @param policy backoff, attempts, idle poll and lease of the replays
 * @param callbackHosts the hosts a client may name in {@code X-Sheepdog-Callback-Url}, lower case;
 *     empty: callbacks are off and the header is refused
 * @param callbackAttempts how often a callback is tried before it is given up
 * @param callbackTimeout how long one callback may take
 */
public record DeferredSettings(boolean autoReplay, ReplayPolicy policy, Set<String> callbackHosts,
    int callbackAttempts, Duration callbackTimeout) {
  /** Replays only on an admin's request, no callbacks: what a server built in code starts with. */
  public static final DeferredSettings MANUAL =
      new DeferredSettings(false, ReplayPolicy.DEFAULT, Set.of(), 5, Duration.ofSeconds(10));

  /** Replays on their own with the default policy, no callbacks: the YAML's default. */
  public static final DeferredSettings AUTOMATIC =
      new DeferredSettings(true, ReplayPolicy.DEFAULT, Set.of(), 5, Duration.ofSeconds(10));

  public DeferredSettings {
    Objects.requireNonNull(policy, "policy");
    callbackHosts = Set.copyOf(callbackHosts.stream().map(host -> host.toLowerCase(Locale.ROOT)).toList());
    if (callbackAttempts < 1) {
      throw new IllegalArgumentException("callbackAttempts must be at least 1, was " + callbackAttempts);
    }
    Objects.requireNonNull(callbackTimeout, "callbackTimeout");
    if (callbackTimeout.isNegative() || callbackTimeout.isZero()) {
      throw new IllegalArgumentException("callbackTimeout must be positive, was " + callbackTimeout);
    }
  }

  public boolean callbacksEnabled() {
    return !callbackHosts.isEmpty();
  }
}
