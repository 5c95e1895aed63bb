package dev.sheepdog.state.redis;

import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Ticker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/** Links and a plain client to a test's redis-server. */
final class TestLinks {
  /** A hot-path timeout for tests that check behaviour, not speed, on a busy machine. */
  static final Duration PATIENT = Duration.ofSeconds(2);

  private TestLinks() {}

  /** Calls until the store answers (a reconnect takes up to a second or two), at most 15 s. */
  static <T> T eventually(java.util.function.Supplier<T> call) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        return call.get();
      } catch (dev.sheepdog.spi.SharedStateUnavailableException e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  /** A connected link on the system clock. */
  static RedisLink open(RedisServer server, String prefix, Duration hotPathTimeout) {
    RedisLink link = new RedisLink(RedisSettings.of(server.uri()).withPrefix(prefix)
        .withHotPathTimeout(hotPathTimeout).withCommandTimeout(Duration.ofSeconds(2)), RouterListener.NONE,
        Ticker.system());
    link.connect();
    return link;
  }

  /** A plain client for looking at what the scripts wrote. */
  static final class Plain implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    Plain(RedisServer server) {
      this.client = RedisClient.create(server.uri());
      this.connection = client.connect();
    }

    RedisCommands<String, String> redis() {
      return connection.sync();
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
