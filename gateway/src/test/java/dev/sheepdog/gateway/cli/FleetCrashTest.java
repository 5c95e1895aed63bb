package dev.sheepdog.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.state.redis.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code sheepdog serve} processes on one redis-server: the first defers requests and starts
 * replaying them against an upstream that hangs, and is killed with SIGKILL while it holds their
 * claims; the second claims each after its lease and delivers it exactly once, and the clients
 * fetch the answers from it.
 */
class FleetCrashTest {
  private static final String CLIENT_KEY = "sk-client-fleet-crash-0917";
  private static final Pattern DEFERRED_ID = Pattern.compile("\"deferred_id\":\"(def-[0-9a-f-]+)\"");
  private static final Pattern CONTENT = Pattern.compile("\"content\":\"(defer-\\d+)\"");

  private final MockWebServer first = new MockWebServer();
  private final MockWebServer second = new MockWebServer();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  /** Once set, the first instance's upstream holds every call open (until the test ends). */
  private final AtomicBoolean hang = new AtomicBoolean();
  private final CountDownLatch released = new CountDownLatch(1);
  private final AtomicInteger hungCalls = new AtomicInteger();
  /** Answers the second instance's upstream gave, per deferred request's text. */
  private final Map<String, AtomicInteger> delivered = new ConcurrentHashMap<>();
  private final List<SheepdogProcess> processes = new ArrayList<>();
  private RedisServer redis;

  @AfterEach
  void stop() throws Exception {
    released.countDown();
    for (SheepdogProcess process : processes) {
      process.close();
    }
    first.close();
    second.close();
    if (redis != null) {
      redis.close();
    }
  }

  private Path config(Path dir, String name) throws Exception {
    return Files.writeString(dir.resolve(name), """
        server: {port: 0, drain_timeout: 2s}
        auth: {client_keys_env: [SHEEPDOG_CLIENT_KEY]}
        providers:
          mock: {type: openai, base_url: '${MOCK_URL}', api_key_env: MOCK_API_KEY, read_timeout: 60s}
        models:
          - {id: model-a, provider: mock, upstream_name: upstream-a, price: {input: 1000, output: 1000}}
        routes:
          table: {general: {normal: [model-a]}}
        retry: {rounds: 1}
        circuit: {consecutive_failures: 1000, minimum_calls: 56, sliding_window_size: 56, failure_rate_threshold: 1.0}
        deferred:
          replay: {backoff: {initial: 100ms, max: 200ms}, interval: 100ms, lease: 2s, max_attempts: 100}
        state: {store: redis, uri: '${REDIS_URI}', prefix: crash, instances: 2}
        """);
  }

  private void upstreams() throws Exception {
    first.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if (!hang.get()) {
          return new MockResponse.Builder().code(503).body("{\"error\":{\"message\":\"down\"}}").build();
        }
        hungCalls.incrementAndGet();
        released.await(60, TimeUnit.SECONDS);
        return new MockResponse.Builder().code(503).body("{\"error\":{\"message\":\"down\"}}").build();
      }
    });
    first.start();
    second.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        Matcher content = CONTENT.matcher(request.getBody().utf8());
        if (content.find()) {
          delivered.computeIfAbsent(content.group(1), c -> new AtomicInteger()).incrementAndGet();
        }
        return ServeCommandTest.answer("replayed");
      }
    });
    second.start();
  }

  private SheepdogProcess serve(Path dir, Path config, MockWebServer upstream, String log) {
    SheepdogProcess process = SheepdogProcess.start(dir.resolve(log), Map.of("MOCK_URL",
        upstream.url("/v1").toString(), "MOCK_API_KEY", "sk-upstream-fleet", "SHEEPDOG_CLIENT_KEY", CLIENT_KEY,
        "REDIS_URI", redis.uri()), "serve", "--config", config.toString());
    processes.add(process);
    return process;
  }

  private HttpResponse<String> chat(URI base, String text) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + CLIENT_KEY)
        .header("X-Sheepdog-Allow-Defer", "true")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void entries_claimed_by_an_instance_killed_with_sigkill_are_replayed_exactly_once_by_the_other(
      @TempDir Path dir) throws Exception {
    // given: instance one defers 5 requests (its upstream answers 503)
    redis = RedisServer.start();
    upstreams();
    Path config = config(dir, "gateway.yaml");
    SheepdogProcess one = serve(dir, config, first, "one.log");
    URI oneBase = one.awaitReady();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> response = chat(oneBase, "defer-" + i);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
      Matcher id = DEFERRED_ID.matcher(response.body());
      assertThat(id.find()).as(response.body()).isTrue();
      ids.add(id.group(1));
    }

    // and its replays now hang upstream, each holding its entry's claim (a replay pass waits for its
    // replays: the entries that were not due when it started are still queued when the process dies)
    hang.set(true);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (hungCalls.get() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(200);
    assertThat(hungCalls.get()).as("replays hanging on instance one").isGreaterThanOrEqualTo(1);

    // when instance one is killed with SIGKILL and instance two starts on the same Redis
    one.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    SheepdogProcess two = serve(dir, config, second, "two.log");
    URI twoBase = two.awaitReady();

    // then each entry is delivered by instance two, after its lease, exactly once
    for (String id : ids) {
      awaitDelivered(twoBase, id);
    }
    assertThat(delivered).hasSize(5);
    assertThat(delivered.keySet()).containsExactlyInAnyOrder("defer-0", "defer-1", "defer-2", "defer-3", "defer-4");
    assertThat(delivered.values()).allSatisfy(count -> assertThat(count).hasValue(1));
  }

  private void awaitDelivered(URI base, String id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/v1/sheepdog/deferred/" + id))
          .header("Authorization", "Bearer " + CLIENT_KEY).build(), HttpResponse.BodyHandlers.ofString());
      last = response.body();
      if (last.contains("\"status\":\"delivered\"")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not delivered in time: " + last);
  }
}
