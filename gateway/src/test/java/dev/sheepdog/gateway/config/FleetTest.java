package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.state.redis.RedisServer;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances on one real redis-server behave as one gateway: a rate limit, a daily cap
 * and a model's circuit hold across both; a deferred request is fetched on either; and when Redis
 * stops, no request fails because of it, limits fall back to each instance's share, an alert says
 * so, and sharing resumes when Redis is back, without restarting either gateway.
 */
class FleetTest {
  private static final String KEY = "sk-fleet-client-4471";
  private static final Pattern DEFERRED_ID = Pattern.compile("\"deferred_id\":\"(def-[0-9a-f-]+)\"");

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** Every scripted provider built, one per gateway start, in start order. */
  private final List<ScriptedProvider> built = new CopyOnWriteArrayList<>();
  private final List<RunningGateway> gateways = new ArrayList<>();
  private RedisServer redis;

  /**
   * {@code type: scripted}: the models named in {@code failing} (comma-separated) always fail with 503, the others
   * answer 5 completion tokens after {@code latency_ms}.
   */
  private final ProviderFactory scriptedType = (section, name) -> {
    List<String> failing = List.of(section.string("failing", "").split(","));
    long latency = section.integer("latency_ms", 0, 0, 60_000);
    return PreparedProvider.of("scripted", context -> {
      ScriptedProvider provider = ScriptedProvider.create(context.id().value(), context.scheduler());
      context.models().forEach(model -> provider.model(model.id()).thenAlways(failing.contains(model.id().value())
          ? Outcome.fail(FailureKind.UNAVAILABLE, 503)
          : Outcome.ok(Duration.ofMillis(latency)).withUsage(0, 5)));
      built.add(provider);
      return provider;
    });
  };

  private final ConfigLoader loader = ConfigLoader.create()
      .withProviderTypes(ProviderTypes.builtIn().with("scripted", scriptedType))
      .withEnvironment(Map.of("KEY", KEY)::get);

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (RunningGateway gateway : gateways) {
      gateway.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /**
   * Model a ($0.06 per 1M output tokens × 5 tokens = $0.30 an answer) then model b, on a shared
   * store with 2 instances.
   */
  private RunningGateway start(String provider, String extra) {
    ConfigFile config = loader.parse("""
        server: {port: 0}
        auth: {client_keys_env: [KEY]}
        providers:
          upstream: %s
        models:
          - {id: model-a, provider: upstream, price: {output: 60000}, rpm: %s}
          - {id: model-b, provider: upstream, price: {output: 60000}}
        routes:
          table: {general: {normal: [model-a, model-b], fast: [model-a]}}
        retry: {rounds: 1}
        circuit: {consecutive_failures: 3, recovery_time: 2s, half_open_probes: 2}
        state: {store: redis, uri: '%s', prefix: fleet-test, instances: 2, circuit_sync: 100ms, timeout: 50ms}
        %s
        """.formatted(provider, extra.contains("rpm-600") ? "600" : "0", redis.uri(),
        extra.replace("rpm-600", "")), "gateway.yaml");
    RunningGateway gateway = RunningGateway.start(config, Ticker.system(), Scheduler.system());
    gateways.add(gateway);
    return gateway;
  }

  private static URI base(RunningGateway gateway) {
    return URI.create("http://127.0.0.1:" + gateway.server().port());
  }

  private HttpResponse<String> chat(RunningGateway gateway, String priority, String text, boolean defer)
      throws Exception {
    return http.send(HttpRequest.newBuilder(base(gateway).resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + KEY)
        .header("X-Sheepdog-Priority", priority)
        .header("X-Sheepdog-Allow-Defer", Boolean.toString(defer))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long calls(ScriptedProvider provider, String model) {
    return provider.callCount(model);
  }

  @Test
  void a_600_rpm_limit_holds_across_both_instances_within_5_percent() throws Exception {
    // given: two instances, model a limited to 600 a minute (a burst of 60, then one every 110.9 ms)
    RunningGateway one = start("{type: scripted}", "rpm-600");
    RunningGateway two = start("{type: scripted}", "rpm-600");

    // when: 8 clients press both instances as fast as they answer, for 4 seconds
    long started = System.nanoTime();
    long end = started + Duration.ofSeconds(4).toNanos();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    AtomicInteger failed = new AtomicInteger();
    List<Future<?>> running = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      RunningGateway target = i % 2 == 0 ? one : two;
      running.add(clients.submit(() -> {
        while (System.nanoTime() < end) {
          int status = chat(target, "fast", "hi", false).statusCode();
          if (status != 200 && status != 503 && status != 429) {
            failed.incrementAndGet();
          }
        }
        return null;
      }));
    }
    for (Future<?> client : running) {
      client.get();
    }
    clients.shutdown();
    double elapsedMillis = (System.nanoTime() - started) / 1e6;

    // then: both together admitted what one limiter admits in that time, not twice that
    long admitted = calls(built.get(0), "model-a") + calls(built.get(1), "model-a");
    double emissionMillis = Math.ceil(60_000_000_000.0 / (600 - 60 + 1)) / 1e6;
    double allowed = 60 + elapsedMillis / emissionMillis;
    assertThat(failed).hasValue(0);
    assertThat((double) admitted).isBetween(allowed * 0.95, allowed * 1.05);
  }

  @Test
  void a_one_dollar_daily_cap_overshoots_by_at_most_one_in_flight_request_per_instance() throws Exception {
    // given: answers of $0.30 that take 50 ms, a $1 cap over the fleet, one client per instance
    String cap = "budget: {caps: [{name: fleet, daily_limit_usd: 1}]}";
    RunningGateway one = start("{type: scripted, latency_ms: 50}", cap);
    RunningGateway two = start("{type: scripted, latency_ms: 50}", cap);

    // when each client sends requests one after the other until the cap refuses
    ExecutorService clients = Executors.newFixedThreadPool(2);
    List<Future<BigDecimal>> spent = new ArrayList<>();
    for (RunningGateway target : List.of(one, two)) {
      spent.add(clients.submit(() -> {
        BigDecimal total = BigDecimal.ZERO;
        for (int i = 0; i < 20; i++) {
          HttpResponse<String> response = chat(target, "normal", "hi", false);
          if (response.statusCode() != 200) {
            assertThat(response.body()).contains("budget");
            break;
          }
          total = total.add(new BigDecimal(response.headers().firstValue("X-Sheepdog-Cost-Usd").orElseThrow()));
        }
        return total;
      }));
    }
    BigDecimal total = spent.get(0).get().add(spent.get(1).get());
    clients.shutdown();

    // then: at least the cap was spent, and at most one $0.30 answer per instance beyond it
    assertThat(total).isGreaterThanOrEqualTo(new BigDecimal("1.00"));
    assertThat(total).isLessThanOrEqualTo(new BigDecimal("1.60"));
    // and both instances refuse from now on
    assertThat(chat(one, "normal", "hi", false).statusCode()).isNotEqualTo(200);
    assertThat(chat(two, "normal", "hi", false).statusCode()).isNotEqualTo(200);
  }

  @Test
  void a_model_failing_on_one_instance_gets_at_most_k_probe_calls_from_the_other_during_its_recovery()
      throws Exception {
    // given: model a fails on both instances' upstreams; instance one opens its circuit
    RunningGateway one = start("{type: scripted, failing: model-a}", "");
    RunningGateway two = start("{type: scripted, failing: model-a}", "");
    for (int i = 0; i < 3; i++) {
      assertThat(chat(one, "normal", "hi", false).headers().firstValue("X-Sheepdog-Model")).hasValue("model-b");
    }
    assertThat(one.router().healthReport().model("model-a").orElseThrow().state().name()).isEqualTo("OPEN");
    Thread.sleep(300); // three of instance two's 100 ms reads of the fleet's circuits

    // when instance two is asked for the next 4 seconds: the 2 s recovery and a half-open episode
    long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    while (System.nanoTime() < end) {
      assertThat(chat(two, "normal", "hi", false).statusCode()).isEqualTo(200);
      assertThat(chat(one, "normal", "hi", false).statusCode()).isEqualTo(200);
      Thread.sleep(20);
    }

    // then: instance two called a only as one of the fleet's 2 probes of that episode; the failed
    // probes opened the circuit again for 4 s, past the end of the run
    long probesFromTwo = calls(built.get(1), "model-a");
    long probesFromOne = calls(built.get(0), "model-a") - 3;
    assertThat(probesFromTwo).isLessThanOrEqualTo(2);
    assertThat(probesFromOne + probesFromTwo).isBetween(1L, 2L);
  }

  @Test
  void a_deferred_request_is_fetched_on_either_instance() throws Exception {
    // given: every model fails on instance one, which defers the request
    String deferred = "deferred: {enabled: true, replay: {enabled: false}}";
    RunningGateway one = start("{type: scripted, failing: 'model-a,model-b'}", deferred);
    RunningGateway two = start("{type: scripted}", deferred);
    HttpResponse<String> refused = chat(one, "normal", "keep me", true);
    assertThat(refused.statusCode()).isEqualTo(503);
    Matcher id = DEFERRED_ID.matcher(refused.body());
    assertThat(id.find()).as(refused.body()).isTrue();

    // when the client asks instance two
    HttpResponse<String> fetched = http.send(HttpRequest.newBuilder(
            base(two).resolve("/v1/sheepdog/deferred/" + id.group(1)))
        .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());

    // then
    assertThat(fetched.statusCode()).as(fetched.body()).isEqualTo(200);
    assertThat(fetched.body()).contains("\"status\":\"queued\"");
  }

  @Test
  void with_redis_stopped_mid_load_no_request_fails_limits_fall_back_to_the_local_share_and_sharing_resumes()
      throws Exception {
    // given: two instances sharing a 600 rpm limit under load
    RunningGateway one = start("{type: scripted}", "rpm-600");
    RunningGateway two = start("{type: scripted}", "rpm-600");
    assertThat(chat(one, "fast", "hi", false).statusCode()).isEqualTo(200);

    // when Redis stops
    redis.stop();
    int ok = 0;
    int unexpected = 0;
    for (int i = 0; i < 400; i++) {
      int status = chat(i % 2 == 0 ? one : two, "normal", "hi", false).statusCode();
      ok += status == 200 ? 1 : 0;
      unexpected += status != 200 ? 1 : 0;
    }

    // then: every request of the normal route (a, then b unlimited) is answered
    assertThat(unexpected).isZero();
    assertThat(ok).isEqualTo(400);
    // and a's limit on each instance is its share: 300 a minute, a burst of 30
    long aCalls = calls(built.get(0), "model-a") + calls(built.get(1), "model-a");
    assertThat(aCalls).isBetween(2L * 30, 2L * 30 + 2 * 20 + 1);
    // and the store says it is degraded, in the health report and the metrics
    assertThat(one.state().health().degraded()).isTrue();
    assertThat(one.router().healthReport().recentAlerts().stream()
        .anyMatch(alert -> alert.type().name().equals("STATE_STORE_FAILING") && !alert.resolved())).isTrue();
    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base(one).resolve("/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("sheepdog_state_degraded 1.0");

    // when Redis is back
    redis.startAgain();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while ((one.state().health().degraded() || two.state().health().degraded()) && System.nanoTime() < deadline) {
      chat(one, "normal", "hi", false);
      chat(two, "normal", "hi", false);
      Thread.sleep(50);
    }

    // then both rejoin without a restart, and the limit is the fleet's again: its cell is in Redis
    assertThat(one.state().health().degraded()).isFalse();
    assertThat(two.state().health().degraded()).isFalse();
    chat(one, "fast", "hi", false);
    assertThat(redis.command("EXISTS fleet-test:limit:{model-a}")).isEqualTo(":1");
  }
}
