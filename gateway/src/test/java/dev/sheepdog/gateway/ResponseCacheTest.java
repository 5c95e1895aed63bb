package dev.sheepdog.gateway;

import dev.sheepdog.wire.openai.ChatRequestFormat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouteHints;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The response cache through the gateway on a random port: a deterministic request answered twice
 * calls its upstream once; concurrent identical misses share one call; streams are served what
 * JSON requests fetched; the header turns it on, off or renews; clients do not share unless told.
 */
class ResponseCacheTest {
  private static final String DETERMINISTIC = body("Hi", 0, false);

  @AutoClose
  private GatewayFixture fixture;

  private static String body(String prompt, double temperature, boolean stream) {
    return "{\"model\":\"auto\",\"temperature\":" + temperature + ",\"messages\":[{\"role\":\"user\",\"content\":\""
        + prompt + "\"}]" + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + "}";
  }

  private HttpResponse<String> send(String body, String... headers) {
    var request = fixture.post(body);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return fixture.send(request);
  }

  private void answers(int count) {
    for (int i = 0; i < count; i++) {
      fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("answer " + i)));
    }
  }

  @Test
  void a_deterministic_request_asked_twice_calls_its_upstream_once_and_costs_nothing_the_second_time() {
    // given
    fixture = new GatewayFixture(config -> config.cache(CacheSettings.allRoutes()));
    answers(2);
    // when
    HttpResponse<String> first = send(DETERMINISTIC);
    HttpResponse<String> second = send(DETERMINISTIC.replace("\"model\":\"auto\",\"temperature\":0.0",
        "\"temperature\":0.0,\"model\":\"auto\"")); // the same request, its members in another order
    // then
    assertThat(fixture.alpha.server.getRequestCount()).isEqualTo(1);
    assertThat(first.headers().firstValue(ResponseCache.HEADER)).hasValue("miss");
    assertThat(second.headers().firstValue(ResponseCache.HEADER)).hasValue("hit");
    assertThat(second.body()).isEqualTo(first.body()).contains("answer 0");
    assertThat(second.headers().firstValue("X-Sheepdog-Cost-Usd")).hasValue(Money.ZERO.toUsdString());
    assertThat(second.headers().firstValue("X-Sheepdog-Model")).hasValue("model-a");
    Money paid = Money.ofUsd(first.headers().firstValue("X-Sheepdog-Cost-Usd").orElseThrow());
    assertThat(fixture.router.ledger().saved()).isEqualTo(paid);
    assertThat(fixture.router.ledger().total()).isEqualTo(paid);
    String metrics = fixture.get("/metrics").body();
    assertThat(metrics).contains("sheepdog_cache_hits_total 1.0").contains("sheepdog_cache_misses_total 1.0")
        .containsPattern("sheepdog_cache_bytes [1-9]").contains("sheepdog_cache_saved_usd_total");
  }

  @Test
  void only_deterministic_requests_are_cached_unless_the_header_asks() {
    // given
    fixture = new GatewayFixture(config -> config.cache(CacheSettings.allRoutes()));
    answers(4);
    String warm = body("Hi", 0.7, false);
    // when: twice at 0.7 without the header, then twice at 0.7 with it
    send(warm);
    send(warm);
    HttpResponse<String> asked = send(warm, ResponseCache.HEADER, "on");
    HttpResponse<String> again = send(warm, ResponseCache.HEADER, "on");
    // then
    assertThat(fixture.alpha.server.getRequestCount()).isEqualTo(3);
    assertThat(asked.headers().firstValue(ResponseCache.HEADER)).hasValue("miss");
    assertThat(again.headers().firstValue(ResponseCache.HEADER)).hasValue("hit");
  }

  @Test
  void off_bypasses_the_cache_refresh_renews_it_and_anything_else_is_refused() {
    // given
    fixture = new GatewayFixture(config -> config.cache(CacheSettings.allRoutes()));
    answers(3);
    send(DETERMINISTIC);
    // when
    HttpResponse<String> bypassed = send(DETERMINISTIC, ResponseCache.HEADER, "off");
    HttpResponse<String> renewed = send(DETERMINISTIC, ResponseCache.HEADER, "refresh");
    HttpResponse<String> after = send(DETERMINISTIC);
    HttpResponse<String> refused = send(DETERMINISTIC, ResponseCache.HEADER, "please");
    // then
    assertThat(bypassed.headers().firstValue(ResponseCache.HEADER)).isEmpty();
    assertThat(bypassed.body()).contains("answer 1");
    assertThat(renewed.body()).contains("answer 2");
    assertThat(after.body()).contains("answer 2");
    assertThat(after.headers().firstValue(ResponseCache.HEADER)).hasValue("hit");
    assertThat(fixture.alpha.server.getRequestCount()).isEqualTo(3);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("X-Sheepdog-Cache must be on, off or refresh");
  }

  @Test
  void concurrent_identical_misses_make_one_upstream_call() throws Exception {
    // given: an upstream that takes half a second
    fixture = new GatewayFixture(config -> config.cache(CacheSettings.allRoutes()));
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.json(200, Upstream.answer("shared")))
        .headersDelay(500, TimeUnit.MILLISECONDS).build());
    answers(10);
    // when
    List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      requests.add(fixture.http.sendAsync(fixture.post(DETERMINISTIC).build(), HttpResponse.BodyHandlers.ofString()));
    }
    List<HttpResponse<String>> responses = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> request : requests) {
      responses.add(request.get(20, TimeUnit.SECONDS));
    }
    // then
    assertThat(fixture.alpha.server.getRequestCount()).isEqualTo(1);
    assertThat(responses).allSatisfy(response -> assertThat(response.body()).contains("shared"));
    assertThat(responses).extracting(r -> r.headers().firstValue(ResponseCache.HEADER).orElse("-"))
        .containsOnly("miss", "hit").containsOnlyOnce("miss");
  }

  @Test
  void a_stream_is_served_as_chunks_what_a_json_request_fetched() {
    // given
    fixture = new GatewayFixture(config -> config.cache(CacheSettings.allRoutes()));
    answers(1);
    send(DETERMINISTIC);
    // when
    HttpResponse<String> stream = send(body("Hi", 0, true));
    // then
    assertThat(fixture.alpha.server.getRequestCount()).isEqualTo(1);
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/event-stream"));
    assertThat(stream.headers().firstValue(ResponseCache.HEADER)).hasValue("hit");
    assertThat(stream.body()).contains("\"object\":\"chat.completion.chunk\"").contains("answer 0")
        .contains("\"finish_reason\":\"stop\"").contains("\"completion_tokens\":5").endsWith("data: [DONE]\n\n");
  }

  @Test
  void clients_do_not_share_answers_unless_the_cache_is_shared() {
    // given: two client keys
    fixture = new GatewayFixture(config -> config.clientKey("sk-one").clientKey("sk-two")
        .cache(CacheSettings.allRoutes()));
    answers(3);
    // when
    send(DETERMINISTIC, "Authorization", "Bearer sk-one");
    HttpResponse<String> other = send(DETERMINISTIC, "Authorization", "Bearer sk-two");
    HttpResponse<String> same = send(DETERMINISTIC, "Authorization", "Bearer sk-one");
    // then
    assertThat(other.headers().firstValue(ResponseCache.HEADER)).hasValue("miss");
    assertThat(same.headers().firstValue(ResponseCache.HEADER)).hasValue("hit");
    assertThat(fixture.alpha.server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void a_shared_cache_answers_every_client_and_only_the_routes_it_names() {
    // given
    CacheSettings shared = new CacheSettings(true, Set.of("summarize"), Duration.ofMinutes(1), 1 << 20, true);
    fixture = new GatewayFixture(config -> config.clientKey("sk-one").clientKey("sk-two").route("summarize")
        .cache(shared));
    answers(4);
    String summarize = DETERMINISTIC.replace("\"auto\"", "\"summarize\"");
    // when
    send(summarize, "Authorization", "Bearer sk-one");
    HttpResponse<String> other = send(summarize, "Authorization", "Bearer sk-two");
    send(DETERMINISTIC, "Authorization", "Bearer sk-one");
    HttpResponse<String> notNamed = send(DETERMINISTIC, "Authorization", "Bearer sk-one");
    // then
    assertThat(other.headers().firstValue(ResponseCache.HEADER)).hasValue("hit");
    assertThat(notNamed.headers().firstValue(ResponseCache.HEADER)).isEmpty();
    assertThat(fixture.alpha.server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void answers_past_the_size_bound_are_evicted_and_counted() {
    // given: room for about two answers
    CacheSettings small = new CacheSettings(true, Set.of(CacheSettings.ALL_ROUTES), Duration.ofMinutes(1), 2_000,
        false);
    fixture = new GatewayFixture(config -> config.cache(small));
    answers(10);
    // when
    for (int i = 0; i < 10; i++) {
      send(body("question " + i, 0, false));
    }
    // then
    String metrics = fixture.get("/metrics").body();
    assertThat(metrics).containsPattern("sheepdog_cache_evictions_total [1-9]");
    long bytes = Math.round(Double.parseDouble(metrics.lines().filter(l -> l.startsWith("sheepdog_cache_bytes "))
        .findFirst().orElseThrow().split(" ")[1]));
    assertThat(bytes).isBetween(1L, 2_000L);
  }

  private static final ResponseCache.Key KEY = new ResponseCache.Key(1, 2, 3, 4);

  @Test
  void an_answer_is_fetched_again_once_its_time_to_live_has_passed() {
    // given: a cache on a clock of the test's
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    ResponseCache cache = new ResponseCache(new CacheSettings(true, Set.of("*"), Duration.ofMinutes(10), 1 << 20,
        false), nanos::get);
    dev.sheepdog.core.RoutedResponse answer = new dev.sheepdog.core.RoutedResponse("r1",
        dev.sheepdog.spi.ChatResponse.of("c1", "m", "hello", "stop", new dev.sheepdog.spi.Usage(1, 1)),
        dev.sheepdog.spi.ModelId.of("m"), List.of(), Duration.ofMillis(5), new dev.sheepdog.spi.Usage(1, 1),
        Money.ofUsd("0.01"));
    java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.Supplier<CompletableFuture<dev.sheepdog.core.RoutedResponse>> fetch = () -> {
      fetches.incrementAndGet();
      return CompletableFuture.completedFuture(answer);
    };
    // when
    boolean first = cache.lookup(KEY, ResponseCache.Mode.DEFAULT, fetch).fetching();
    nanos.addAndGet(Duration.ofMinutes(9).toNanos());
    boolean withinTtl = cache.lookup(KEY, ResponseCache.Mode.DEFAULT, fetch).fetching();
    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    boolean pastTtl = cache.lookup(KEY, ResponseCache.Mode.DEFAULT, fetch).fetching();
    // then
    assertThat(List.of(first, withinTtl, pastTtl)).containsExactly(true, false, true);
    assertThat(fetches).hasValue(2);
  }

  @Test
  void the_key_tells_apart_what_changes_the_answer_and_nothing_else() {
    ResponseCache perClient = new ResponseCache(CacheSettings.allRoutes());
    RouteHints one = RouteHints.builder().tag("client:one").build();
    RouteHints two = RouteHints.builder().tag("client:two").build();
    java.util.function.BiFunction<String, RouteHints, ResponseCache.Key> key = (json, hints) -> perClient.keyOf("auto",
        hints, ChatRequestFormat.decode(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)).request(),
        ResponseCache.Mode.ON);
    String base = "{\"model\":\"auto\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"ab\"}],"
        + "\"seed\":1}";
    // the same: members in another order, streamed or not
    assertThat(key.apply("{\"seed\":1,\"messages\":[{\"content\":\"ab\",\"role\":\"user\"}],\"temperature\":0,"
        + "\"model\":\"auto\"}", one)).isEqualTo(key.apply(base, one));
    assertThat(key.apply(base.replace("\"seed\":1}", "\"seed\":1,\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true}}"), one)).isEqualTo(key.apply(base, one));
    // different: any generation field, the text, the client
    assertThat(key.apply(base.replace("\"seed\":1", "\"seed\":2"), one)).isNotEqualTo(key.apply(base, one));
    assertThat(key.apply(base.replace("\"ab\"", "\"a\",\"name\":\"b\""), one)).isNotEqualTo(key.apply(base, one));
    assertThat(key.apply(base, two)).isNotEqualTo(key.apply(base, one));
    ResponseCache shared = new ResponseCache(new CacheSettings(true, Set.of("*"), Duration.ofMinutes(1), 1 << 20,
        true));
    ChatRequestOf parsed = json -> ChatRequestFormat.decode(json.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .request();
    assertThat(shared.keyOf("auto", two, parsed.of(base), ResponseCache.Mode.ON))
        .isEqualTo(shared.keyOf("auto", one, parsed.of(base), ResponseCache.Mode.ON));
  }

  private interface ChatRequestOf {
    dev.sheepdog.spi.ChatRequest of(String json);
  }
}
