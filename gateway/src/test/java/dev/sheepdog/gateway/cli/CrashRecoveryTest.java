package dev.sheepdog.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.state.sqlite.SqliteStateStore;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * {@code sheepdog serve} killed with SIGKILL in the middle of load, then started again on its state
 * directory: the spend on disk is the spend of the answered requests, less at most the last group
 * commit; every request a client was told was deferred is on disk, and after the restart each is
 * replayed on its own, exactly once, and its client fetches the answer.
 */
class CrashRecoveryTest {
  private static final String CLIENT_KEY = "sk-client-crash-4410";
  /** Each answer: 3 + 2 tokens at $1,000 per 1M tokens = $0.005. */
  private static final long NANOS_PER_ANSWER = 5_000_000;
  private static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);
  private static final Pattern DEFERRED_ID = Pattern.compile("\"deferred_id\":\"(def-[0-9a-f-]+)\"");
  private static final Pattern CONTENT = Pattern.compile("\"content\":\"(defer-\\d+)\"");

  private final MockWebServer upstream = new MockWebServer();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final AtomicBoolean flakyHealthy = new AtomicBoolean();
  /** Calls of the flaky model answered 200 after the restart, per deferred request's text. */
  private final Map<String, AtomicInteger> replayedAnswers = new ConcurrentHashMap<>();
  private SheepdogProcess sheepdog;

  @AfterEach
  void stop() throws Exception {
    if (sheepdog != null) {
      sheepdog.close();
    }
    upstream.close();
  }

  private Path config(Path dir) throws Exception {
    return Files.writeString(dir.resolve("gateway.yaml"), """
        server: {port: 0, drain_timeout: 5s}
        auth: {client_keys_env: [SHEEPDOG_CLIENT_KEY]}
        providers:
          mock: {type: openai, base_url: '${MOCK_URL}', api_key_env: MOCK_API_KEY}
        models:
          - {id: model-ok, provider: mock, upstream_name: upstream-ok, price: {input: 1000, output: 1000}}
          - {id: model-flaky, provider: mock, upstream_name: upstream-flaky, price: {input: 1000, output: 1000}}
        routes:
          table: {general: {normal: [model-ok]}}
        retry: {rounds: 1}
        deferred:
          replay: {backoff: {initial: 200ms, max: 1s}, interval: 200ms, lease: 1s, max_attempts: 100}
        state: {commit_interval: %dms}
        """.formatted(COMMIT_INTERVAL.toMillis()));
  }

  private void answerUpstream() throws Exception {
    upstream.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String body = request.getBody().utf8();
        if (body.contains("upstream-flaky")) {
          if (!flakyHealthy.get()) {
            return new MockResponse.Builder().code(503).body("{\"error\":{\"message\":\"down\"}}").build();
          }
          Matcher content = CONTENT.matcher(body);
          if (content.find()) {
            replayedAnswers.computeIfAbsent(content.group(1), c -> new AtomicInteger()).incrementAndGet();
          }
        }
        return ServeCommandTest.answer("fine");
      }
    });
    upstream.start();
  }

  private HttpRequest chat(URI base, String model, String text, boolean allowDefer) {
    return HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + CLIENT_KEY)
        .header("X-Sheepdog-Allow-Defer", Boolean.toString(allowDefer))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}"))
        .build();
  }

  private SheepdogProcess serve(Path dir, Path config, String log) {
    return SheepdogProcess.start(dir.resolve(log), Map.of("MOCK_URL", upstream.url("/v1").toString(),
        "MOCK_API_KEY", "sk-upstream-crash", "SHEEPDOG_CLIENT_KEY", CLIENT_KEY), "serve", "--config",
        config.toString());
  }

  @Test
  void after_a_sigkill_mid_load_spend_is_kept_within_one_commit_and_every_deferred_request_is_replayed_once(
      @TempDir Path dir) throws Exception {
    // given a gateway under load: answers, and requests deferred while their model fails
    answerUpstream();
    Path config = config(dir);
    sheepdog = serve(dir, config, "first.log");
    URI base = sheepdog.awaitReady();
    ConcurrentLinkedQueue<Long> answeredAtNanos = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> deferred = new ConcurrentLinkedQueue<>();
    AtomicBoolean loading = new AtomicBoolean(true);
    AtomicInteger sequence = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    for (int c = 0; c < 8; c++) {
      clients.submit(() -> {
        while (loading.get()) {
          int n = sequence.incrementAndGet();
          boolean defer = n % 10 == 0;
          try {
            HttpResponse<String> response = http.send(defer ? chat(base, "model-flaky", "defer-" + n, true)
                : chat(base, "auto", "hello " + n, false), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
              answeredAtNanos.add(System.nanoTime());
            } else {
              Matcher id = DEFERRED_ID.matcher(response.body());
              if (id.find()) {
                deferred.add(id.group(1));
              }
            }
          } catch (Exception e) {
            return null; // the process was killed under it
          }
        }
        return null;
      });
    }
    while (deferred.size() < 20 || answeredAtNanos.size() < 300) {
      Thread.sleep(20);
    }

    // when it is killed with SIGKILL
    long killedAt = System.nanoTime();
    sheepdog.process.destroyForcibly();
    assertThat(sheepdog.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    loading.set(false);
    clients.shutdown();
    assertThat(clients.awaitTermination(15, TimeUnit.SECONDS)).isTrue();

    // then the file holds the spend of the answered requests, less at most the last commit window,
    // and every deferred request a client was told about
    long answered = answeredAtNanos.size();
    long answeredWellBefore = answeredAtNanos.stream()
        .filter(at -> at < killedAt - COMMIT_INTERVAL.multipliedBy(5).toNanos()).count();
    List<String> told = new ArrayList<>(deferred);
    List<String> ids = new ArrayList<>();
    long persisted;
    try (SqliteStateStore store = SqliteStateStore.builder(dir.resolve("sheepdog-state")).open()) {
      persisted = totalSpend(store);
      assertThat(persisted % NANOS_PER_ANSWER).isZero();
      long persistedAnswers = persisted / NANOS_PER_ANSWER;
      assertThat(persistedAnswers).as("answered %d, %d of them over 500 ms before the kill", answered,
          answeredWellBefore).isBetween(answeredWellBefore, answered + 8);
      // a request may be on disk and its client killed before it heard the id: it is replayed too
      store.deferred().entries().forEach(entry -> ids.add(entry.id()));
      assertThat(ids).containsAll(told);
    }

    // and when it starts again with the model healthy
    flakyHealthy.set(true);
    sheepdog = serve(dir, config, "second.log");
    URI restarted = sheepdog.awaitReady();
    // then every deferred request is delivered, each from exactly one upstream call
    for (String id : ids) {
      awaitDelivered(restarted, id);
    }
    assertThat(replayedAnswers).hasSize(ids.size());
    assertThat(replayedAnswers.values()).allSatisfy(calls -> assertThat(calls.get()).isEqualTo(1));
    assertThat(sheepdog.output()).doesNotContain(CLIENT_KEY).doesNotContain("sk-upstream-crash");

    // and when it is stopped with SIGTERM, then everything is written: the replays' spend included
    sheepdog.close();
    assertThat(sheepdog.process.isAlive()).isFalse();
    try (SqliteStateStore store = SqliteStateStore.builder(dir.resolve("sheepdog-state")).open()) {
      assertThat(totalSpend(store)).isEqualTo(persisted + ids.size() * NANOS_PER_ANSWER);
    }
  }

  private static long totalSpend(SqliteStateStore store) {
    return store.spend().load().stream().filter(row -> row.kind() == SpendRow.Kind.TOTAL)
        .mapToLong(SpendRow::nanos).sum();
  }

  private void awaitDelivered(URI base, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/v1/sheepdog/deferred/" + id))
          .header("Authorization", "Bearer " + CLIENT_KEY).build(), HttpResponse.BodyHandlers.ofString());
      last = response.body();
      if (last.contains("\"status\":\"delivered\"")) {
        assertThat(last).contains("\"completion\":{").contains("fine");
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(id + " was not delivered: " + last + "\n" + sheepdog.output());
  }
}
