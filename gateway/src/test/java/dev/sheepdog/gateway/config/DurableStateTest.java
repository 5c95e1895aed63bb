package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.gateway.ErrorResponsesTestAccess;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.state.sqlite.StateStoreException;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's state in its file store, across in-process restarts on one directory: spend and
 * reached caps, deferred requests replayed on their own and fetched by their client, an entry whose
 * replay died with the process, and a directory another gateway holds.
 */
class DurableStateTest {
  private static final String KEY_A = "sk-client-a-5120";
  private static final String KEY_B = "sk-client-b-7731";
  private static final Pattern DEFERRED_ID = Pattern.compile("\"deferred_id\":\"(def-[0-9a-f-]+)\"");

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** Every scripted provider built, newest last: one per gateway start. */
  private final List<ScriptedProvider> built = new CopyOnWriteArrayList<>();

  /** {@code type: scripted}: fails {@code failures} times, then answers 5 completion tokens. */
  private final ProviderFactory scriptedType = (section, name) -> {
    int failures = section.integer("failures", 0, 0, 1_000_000);
    return PreparedProvider.of("scripted", context -> {
      ScriptedProvider provider = ScriptedProvider.create(context.id().value(), context.scheduler());
      context.models().forEach(model -> provider.model(model.id())
          .times(failures, Outcome.fail(FailureKind.UNAVAILABLE, 503))
          .thenAlways(Outcome.ok("from " + model.id()).withUsage(0, 5)));
      built.add(provider);
      return provider;
    });
  };

  private final ConfigLoader loader = ConfigLoader.create()
      .withProviderTypes(ProviderTypes.builtIn().with("scripted", scriptedType))
      .withEnvironment(Map.of("KEY_A", KEY_A, "KEY_B", KEY_B)::get);

  /** One model at $0.20 per output token: an answer of 5 tokens costs $1. */
  private ConfigFile config(Path state, int failures, String extra) {
    return loader.parse("""
        server: {port: 0}
        auth: {client_keys_env: [KEY_A, KEY_B]}
        providers:
          upstream: {type: scripted, failures: %d}
        models:
          - {id: model-a, provider: upstream, price: {output: 200000}}
        routes:
          table: {general: {normal: [model-a]}}
        retry: {rounds: 1}
        state: {path: '%s'}
        %s
        """.formatted(failures, state, extra), "gateway.yaml");
  }

  private RunningGateway start(ConfigFile config) {
    return RunningGateway.start(config, Ticker.system(), Scheduler.system());
  }

  private HttpResponse<String> chat(URI base, String key, String text, boolean allowDefer) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + key)
        .header("X-Sheepdog-Allow-Defer", Boolean.toString(allowDefer))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> fetch(URI base, String key, String id) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/v1/sheepdog/deferred/" + id))
        .timeout(Duration.ofSeconds(10));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String deferredId(HttpResponse<String> response) {
    Matcher matcher = DEFERRED_ID.matcher(response.body());
    assertThat(matcher.find()).as(response.body()).isTrue();
    return matcher.group(1);
  }

  /** Polls the client's endpoint until the entry is delivered; the replay runs on its own. */
  private HttpResponse<String> awaitDelivered(URI base, String id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    HttpResponse<String> last = null;
    while (System.nanoTime() < deadline) {
      last = fetch(base, KEY_A, id);
      if (last.body().contains("\"status\":\"delivered\"")) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not delivered in time: " + (last == null ? "" : last.body()));
  }

  @Test
  void spend_and_a_reached_daily_cap_survive_a_restart(@TempDir Path state) throws Exception {
    // given a $1 cap reached by one answer
    ConfigFile config = config(state, 0, "budget: {caps: [{name: daily, daily_limit_usd: 1}]}");
    Money before;
    try (RunningGateway first = start(config)) {
      assertThat(chat(first.uri(), KEY_A, "spend a dollar", false).statusCode()).isEqualTo(200);
      ErrorResponsesTestAccess.assertError(chat(first.uri(), KEY_A, "one more", false), 429, "insufficient_quota",
          "budget_exceeded");
      before = first.router().ledger().total();
    }
    // when the gateway starts again on the same directory
    try (RunningGateway second = start(config)) {
      // then the day's spend is there, to the nano-dollar, and the cap still rejects
      assertThat(before).isEqualTo(Money.ofUsd("1"));
      assertThat(second.router().ledger().total()).isEqualTo(before);
      assertThat(second.router().ledger().total(ModelId.of("model-a"))).isEqualTo(before);
      assertThat(second.router().ledger().snapshot().byTag()).containsValue(before);
      ErrorResponsesTestAccess.assertError(chat(second.uri(), KEY_A, "after the restart", false), 429,
          "insufficient_quota", "budget_exceeded");
      assertThat(built.get(built.size() - 1).callCount("model-a")).isZero();
    }
  }

  @Test
  void a_deferred_request_outlives_a_restart_is_replayed_on_its_own_and_only_its_client_fetches_it(
      @TempDir Path state) throws Exception {
    // given a request deferred while its only model fails
    String replay = "deferred: {replay: {backoff: {initial: 100ms, max: 1s}, interval: 100ms}}";
    String id;
    try (RunningGateway down = start(config(state, 1_000_000,
        "deferred: {replay: {enabled: false}}"))) {
      HttpResponse<String> failed = chat(down.uri(), KEY_A, "keep me", true);
      ErrorResponsesTestAccess.assertError(failed, 503, "server_error", "all_models_failed");
      id = deferredId(failed);
      assertThat(failed.body()).contains("\"deferred_url\":\"/v1/sheepdog/deferred/" + id + "\"")
          .contains("its answer will be at GET /v1/sheepdog/deferred/" + id);
      assertThat(fetch(down.uri(), KEY_A, id).body()).contains("\"status\":\"queued\"");
    }
    // when the gateway starts again with the model healthy
    try (RunningGateway up = start(config(state, 0, replay))) {
      HttpResponse<String> delivered = awaitDelivered(up.uri(), id);
      // then its client gets the answer in OpenAI's shape; another key and no key get nothing
      assertThat(delivered.statusCode()).isEqualTo(200);
      assertThat(delivered.body()).contains("\"object\":\"sheepdog.deferred_request\"")
          .contains("\"model\":\"model-a\"").contains("\"cost_usd\":\"1")
          .contains("\"completion\":{").contains("\"object\":\"chat.completion\"").contains("from model-a");
      ErrorResponsesTestAccess.assertError(fetch(up.uri(), KEY_B, id), 404, "invalid_request_error",
          "deferred_not_found");
      ErrorResponsesTestAccess.assertError(fetch(up.uri(), null, id), 401, "invalid_request_error",
          "invalid_api_key");
      ErrorResponsesTestAccess.assertError(fetch(up.uri(), KEY_A, "def-unknown"), 404, "invalid_request_error",
          "deferred_not_found");
      assertThat(built.get(built.size() - 1).callCount("model-a")).isEqualTo(1);
      assertThat(up.router().ledger().total()).isEqualTo(Money.ofUsd("1"));
    }
  }

  @Test
  void an_entry_whose_replay_died_with_the_process_is_replayed_once_its_lease_ends(@TempDir Path state)
      throws Exception {
    // given an entry claimed by a replay that never settled it: the process "died" mid-replay
    String id;
    long leaseEnds;
    try (RunningGateway down = start(config(state, 1_000_000, "deferred: {replay: {enabled: false}}"))) {
      id = deferredId(chat(down.uri(), KEY_A, "claimed then orphaned", true));
      long now = System.currentTimeMillis();
      leaseEnds = now + 1_500;
      DeferredEntry claimed = down.state().deferred().claim(id, now, leaseEnds).orElseThrow();
      assertThat(claimed.state()).isEqualTo(DeferredState.REPLAYING);
    }
    // when a gateway starts on the directory with its model healthy
    try (RunningGateway up = start(config(state, 0,
        "deferred: {replay: {backoff: {initial: 100ms, max: 1s}, interval: 100ms}}"))) {
      assertThat(fetch(up.uri(), KEY_A, id).body()).contains("\"status\":\"replaying\"");
      HttpResponse<String> delivered = awaitDelivered(up.uri(), id);
      // then it was replayed after the lease, once, and delivered with the second claim
      assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(leaseEnds);
      assertThat(delivered.body()).contains("from model-a");
      assertThat(up.state().deferred().find(id).orElseThrow().claim()).isEqualTo(2);
      assertThat(built.get(built.size() - 1).callCount("model-a")).isEqualTo(1);
    }
  }

  @Test
  void a_state_file_that_cannot_grow_never_fails_an_answered_request_and_raises_an_alert(@TempDir Path state)
      throws Exception {
    // given a state file capped at the size it has, as on a full disk, and a model that fails
    String yaml = """
        server: {port: 0}
        auth: {client_keys_env: [KEY_A], admin_key_env: KEY_B}
        providers:
          down: {type: scripted, failures: 1000000}
          up: {type: scripted}
        models:
          - {id: model-down, provider: down}
          - {id: model-up, provider: up, price: {output: 200000}}
        routes:
          table: {general: {normal: [model-up]}}
        retry: {rounds: 1}
        state: {path: '%s', max_size: %s}
        """;
    start(loader.parse(yaml.formatted(state, "1GiB"), "gateway.yaml")).close();
    try (RunningGateway full = start(loader.parse(yaml.formatted(state, "1"), "gateway.yaml"))) {
      // when a large request is to be deferred, and another is answered
      HttpResponse<String> notDeferred = http.send(HttpRequest.newBuilder(full.uri().resolve("/v1/chat/completions"))
          .header("Authorization", "Bearer " + KEY_A).header("X-Sheepdog-Allow-Defer", "true")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"model-down\",\"messages\":[{\"role\":\"user\","
              + "\"content\":\"" + "x".repeat(200_000) + "\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> answered = chat(full.uri(), KEY_A, "answer me", false);
      // then the answer is given; the request that could not be parked says so; the store is degraded
      assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
      ErrorResponsesTestAccess.assertError(notDeferred, 503, "server_error", "all_models_failed");
      assertThat(notDeferred.body()).doesNotContain("deferred_id");
      assertThat(full.state().health().degraded()).isTrue();
      assertThat(full.router().recentAlerts()).anySatisfy(alert -> {
        assertThat(alert.type()).isEqualTo(dev.sheepdog.spi.AlertType.STATE_STORE_FAILING);
        assertThat(alert.resolved()).isFalse();
        assertThat(alert.message()).contains(state.resolve("state.db").toString());
      });
      String metrics = http.send(HttpRequest.newBuilder(full.uri().resolve("/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("sheepdog_state_degraded 1.0").containsPattern(
          "sheepdog_state_write_failures_total [1-9]");
      assertThat(full.router().ledger().total()).isEqualTo(Money.ofUsd("1"));
    }
  }

  @Test
  void a_directory_another_gateway_holds_is_refused_with_the_fix(@TempDir Path state) {
    ConfigFile config = config(state, 0, "");
    try (RunningGateway first = start(config)) {
      assertThatThrownBy(() -> start(config))
          .isInstanceOf(StateStoreException.class)
          .hasMessageContaining(state.resolve("state.lock").toString())
          .hasMessageContaining("state.path");
      assertThat(first.state().describe()).contains(state.toString());
    }
  }
}
