package dev.sheepdog.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SharedState;
import dev.sheepdog.spi.Ticker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Redis through Sentinel: the store asks a real sentinel ({@code redis-server --sentinel}) for the master. */
class RedisSentinelTest {

  @Test
  void aSentinelUriFindsTheMasterAndSharesStateThere(@TempDir Path dir) throws Exception {
    try (RedisServer master = RedisServer.start()) {
      int port = freePort();
      Path config = Files.writeString(dir.resolve("sentinel.conf"), String.join("\n",
          "port " + port,
          "bind 127.0.0.1",
          "protected-mode no",
          "dir " + dir,
          "sentinel monitor sheepdog 127.0.0.1 " + master.port() + " 1",
          "sentinel down-after-milliseconds sheepdog 5000",
          ""));
      Process sentinel = new ProcessBuilder("redis-server", config.toString(), "--sentinel")
          .redirectErrorStream(true).redirectOutput(dir.resolve("sentinel.log").toFile()).start();
      try {
        // given a store that knows only the sentinel and the master's name
        RedisSettings settings = RedisSettings.of("redis-sentinel://127.0.0.1:" + port + "/0#sheepdog")
            .withPrefix("sentinel").withHotPathTimeout(java.time.Duration.ofSeconds(2));
        try (RedisStateStore store = RedisStateStore.open(settings, 10, 10, RouterListener.NONE, Ticker.system())) {
          SharedState shared = store.shared().orElseThrow();
          SharedState.Limit limit = new SharedState.Limit(ModelId.of("via-sentinel"), 60, 1, 0, 0);

          // when it takes from a limit (once the sentinel answers)
          SharedState.Reservation first = TestLinks.eventually(() -> shared.reserve(limit, 0, 20_000, List.of()));

          // then the cell is in the master, and the fleet's limit holds there
          assertThat(first.admitted()).isTrue();
          assertThat(shared.reserve(limit, 0, 20_000, List.of()).admitted()).isFalse();
          try (TestLinks.Plain plain = new TestLinks.Plain(master)) {
            assertThat(plain.redis().exists(RedisSharedState.limitKey("sentinel", limit.model()))).isEqualTo(1);
          }
        }
      } finally {
        sentinel.destroy();
        sentinel.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
