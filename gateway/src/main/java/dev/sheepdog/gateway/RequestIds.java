package dev.sheepdog.gateway;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;

/**
 * Ids the gateway echoes: a request's {@code X-Request-Id}, and the id of a deferred request named
 * in a path. Only ids that cannot break a header, a log line or a JSON message are echoed.
 */
final class RequestIds {
  private static final int MAX_LENGTH = 128;
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:\\-]{1," + MAX_LENGTH + "}");

  private RequestIds() {}

  /** The client's {@code X-Request-Id} when it is safe to echo; otherwise {@code req-} and a new UUID. */
  static String of(Request request) {
    String given = request.getHeaders().get(ChatCompletions.Headers.REQUEST_ID);
    // an id that could break a header or a log line is replaced, not echoed
    return given != null && given.length() <= MAX_LENGTH && isSafe(given) ? given : "req-" + randomUuid();
  }

  /** Whether {@code id} may be echoed as it is; the deferred queue's ids ({@code def-} and a UUID) may. */
  static boolean isSafe(String id) {
    return SAFE.matcher(id).matches();
  }

  /** {@code id} when it is safe to echo, otherwise {@code (invalid id)}. */
  static String echoable(String id) {
    return isSafe(id) ? id : "(invalid id)";
  }

  /**
   * A version 4 UUID drawn from {@link ThreadLocalRandom}. A request id has to be unique, not
   * unguessable; {@code UUID.randomUUID()} takes SecureRandom's lock and reads {@code /dev/urandom}
   * on every request, which the load test showed as lock contention between request threads.
   */
  static UUID randomUuid() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & ~0xC000_0000_0000_0000L) | 0x8000_0000_0000_0000L;
    return new UUID(high, low);
  }
}
