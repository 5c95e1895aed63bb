package dev.sheepdog.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The link's own breaker on a real redis-server that is made slow. */
class RedisLinkTest {

  private final ManualTicker ticker = new ManualTicker();

  @Test
  void timeoutsOfAMomentDoNotIsolateRedisTimeoutsThatGoOnDo() throws Exception {
    try (RedisServer server = RedisServer.start()) {
      RedisLink link = new RedisLink(RedisSettings.of(server.uri()).withPrefix("link")
          .withHotPathTimeout(Duration.ofMillis(20)), RouterListener.NONE, ticker);
      link.connect();
      try (link) {
        link.call(redis -> redis.ping());
        assertThat(server.command("CLIENT PAUSE 1500 ALL")).isEqualTo("+OK");
        // a moment (on the ticker): every call waiting times out, each falls back on its own
        for (int i = 0; i < 10; i++) {
          assertThatThrownBy(() -> link.hot(redis -> redis.ping()))
              .isInstanceOf(SharedStateUnavailableException.class).hasMessageContaining("did not answer within 20 ms");
        }
        assertThat(link.isolatedNow()).isFalse();
        // still nothing answered once the run of timeouts has lasted SLOW_FOR: isolated
        ticker.advance(RedisLink.SLOW_FOR);
        assertThatThrownBy(() -> link.hot(redis -> redis.ping())).isInstanceOf(SharedStateUnavailableException.class);
        assertThat(link.isolatedNow()).isTrue();
        assertThatThrownBy(() -> link.hot(redis -> redis.ping())).hasMessageContaining("isolated");
      }
    }
  }

  @Test
  void aLateAnswerToACommandSentBeforeTheIsolationDoesNotEndIt() throws Exception {
    try (RedisServer server = RedisServer.start()) {
      List<RouterEvent.Alert> alerts = new CopyOnWriteArrayList<>();
      RouterListener listener = event -> {
        if (event instanceof RouterEvent.Alert alert) {
          alerts.add(alert);
        }
      };
      RedisLink link = new RedisLink(RedisSettings.of(server.uri()).withPrefix("link")
          .withHotPathTimeout(Duration.ofMillis(50)).withIsolation(Duration.ofMinutes(1)), listener, ticker);
      link.connect();
      try (link) {
        link.call(redis -> redis.ping());
        // the server answers nothing for a while: a write sent now is answered late, after the
        // hot-path calls behind it have timed out for long enough to isolate Redis
        assertThat(server.command("CLIENT PAUSE 700 ALL")).isEqualTo("+OK");
        CompletableFuture<String> late = link.send(redis -> redis.ping());
        for (int i = 0; i < 3; i++) {
          assertThatThrownBy(() -> link.hot(redis -> redis.ping()))
              .isInstanceOf(SharedStateUnavailableException.class);
          ticker.advance(RedisLink.SLOW_FOR);
        }
        assertThat(link.isolatedNow()).isTrue();

        assertThat(late.get(5, TimeUnit.SECONDS)).isEqualTo("PONG");
        // the answer says Redis is slow, not that it is back: the episode goes on until its trial
        assertThat(link.isolatedNow()).isTrue();
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).resolved()).isFalse();
      }
    }
  }
}
