package dev.sheepdog.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Usage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stub speaks OpenAI's wire format well enough for our own adapter, and fails as told. */
class UpstreamStubTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ModelSpec MODEL = ModelSpec.builder("gpt-4.1-mini", "stub").build();
  private static final ModelSpec FLAKY = ModelSpec.builder("gemini-2.5-flash", "stub").build();

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private UpstreamStub stub;
  private OpenAiProvider provider;

  @AfterEach
  void stop() {
    if (provider != null) {
      provider.close();
    }
    if (stub != null) {
      stub.close();
    }
  }

  @Test
  void answers_a_completion_that_the_openai_provider_parses() throws Exception {
    // given
    start(UpstreamStub.Options.defaults());

    // when
    ChatResponse answer = provider.complete(MODEL, ChatRequest.ofUser("Hi"), CallOptions.of(TIMEOUT, "req-1"))
        .get(10, TimeUnit.SECONDS);

    // then
    assertThat(answer.content()).isEqualTo(StubAnswers.content(5));
    assertThat(answer.finishReason()).isEqualTo("stop");
    assertThat(answer.upstreamModel()).isEqualTo("gpt-4.1-mini");
    assertThat(answer.usage()).isEqualTo(new Usage(StubAnswers.PROMPT_TOKENS, 5));
  }

  @Test
  void streams_chunks_and_usage_that_the_openai_provider_parses() throws Exception {
    // given
    start(UpstreamStub.Options.defaults());
    List<ChatChunk> chunks = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ended = new CompletableFuture<>();

    // when
    provider.stream(MODEL, ChatRequest.ofUser("Hi").withStream(true), CallOptions.of(TIMEOUT, "req-2"),
        new StreamListener() {
          @Override
          public void onChunk(ChatChunk chunk) {
            chunks.add(chunk);
          }

          @Override
          public void onComplete() {
            ended.complete(null);
          }

          @Override
          public void onError(ProviderException failure) {
            ended.completeExceptionally(failure);
          }
        });
    ended.get(10, TimeUnit.SECONDS);

    // then: a role chunk, five content chunks, a finish chunk and a usage chunk
    assertThat(chunks).hasSize(8);
    assertThat(chunks.stream().map(ChatChunk::text).reduce("", String::concat)).isEqualTo(StubAnswers.content(5));
    assertThat(chunks.get(6).finishReason()).isEqualTo("stop");
    assertThat(chunks.get(7).usage()).isEqualTo(new Usage(StubAnswers.PROMPT_TOKENS, 5));
  }

  @Test
  void answers_like_an_llm_when_given_latency_json_after_its_think_time_streams_spread_over_their_span()
      throws Exception {
    // given: JSON after 300 ms; 5 chunks over 400 ms
    start(UpstreamStub.Options.defaults().withLatency(300, 400, 5));
    String body = "{\"model\":\"gpt-4.1-mini\",\"messages\":[],\"stream\":";
    // when
    long start = System.nanoTime();
    HttpResponse<String> json = post(body + "false}");
    Duration jsonTook = Duration.ofNanos(System.nanoTime() - start);
    start = System.nanoTime();
    HttpResponse<java.util.stream.Stream<String>> stream = http.send(chatRequest(body + "true}"),
        HttpResponse.BodyHandlers.ofLines());
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    long streamStart = start;
    List<String> lines = stream.body().peek(line -> arrivals.add(System.nanoTime() - streamStart)).toList();
    // then
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(jsonTook).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertThat(lines).contains("data: [DONE]");
    assertThat(lines.stream().filter(line -> line.startsWith("data: ")).count()).isEqualTo(9);
    assertThat(Duration.ofNanos(arrivals.get(arrivals.size() - 1))).isGreaterThanOrEqualTo(Duration.ofMillis(400));
  }

  @Test
  void fails_the_named_model_at_the_seeded_ratio_and_no_other() throws Exception {
    // given
    start(UpstreamStub.Options.defaults().withFailures(FLAKY.id().value(), 0.3, 7));
    FailureSchedule schedule = new FailureSchedule(7, 0.3);
    int requests = 400;

    // when: sequential, so request n of the flaky model is the schedule's n
    int flakyFailures = 0;
    int expected = 0;
    int healthyFailures = 0;
    for (int n = 0; n < requests; n++) {
      HttpResponse<String> flaky = post("{\"model\":\"gemini-2.5-flash\",\"messages\":[]}");
      if (flaky.statusCode() == 503) {
        flakyFailures++;
        assertThat(flaky.body()).contains("\"error\":{\"message\":").contains("\"type\":\"server_error\"");
      } else {
        assertThat(flaky.statusCode()).isEqualTo(200);
      }
      expected += schedule.fails(n) ? 1 : 0;
      healthyFailures += post("{\"model\":\"gpt-4.1-mini\",\"messages\":[]}").statusCode() == 200 ? 0 : 1;
    }

    // then
    assertThat(flakyFailures).isEqualTo(expected).isBetween(90, 150);
    assertThat(healthyFailures).isZero();
    assertThat(get(UpstreamStub.STATS_PATH).body()).isEqualTo("{\"requests\":800,\"fail_model\":\"gemini-2.5-flash\","
        + "\"fail_model_requests\":400,\"failed\":" + flakyFailures + "}");
  }

  @Test
  void a_failure_reads_as_unavailable_to_the_openai_provider() {
    // given
    start(UpstreamStub.Options.defaults().withFailures(FLAKY.id().value(), 1.0, 1));

    // when / then
    assertThatThrownBy(() -> provider.complete(FLAKY, ChatRequest.ofUser("Hi"), CallOptions.of(TIMEOUT, "req-3"))
        .join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.kind()).isEqualTo(FailureKind.UNAVAILABLE);
          assertThat(e.httpStatus()).isEqualTo(503);
        });
  }

  @Test
  void the_schedule_holds_its_ratio_and_repeats_for_a_seed() {
    // given
    FailureSchedule schedule = new FailureSchedule(42, 0.3);
    FailureSchedule same = new FailureSchedule(42, 0.3);
    FailureSchedule other = new FailureSchedule(43, 0.3);
    int n = 100_000;

    // when
    int failures = 0;
    int disagreements = 0;
    for (int i = 0; i < n; i++) {
      boolean fails = schedule.fails(i);
      failures += fails ? 1 : 0;
      assertThat(same.fails(i)).isEqualTo(fails);
      disagreements += other.fails(i) == fails ? 0 : 1;
    }

    // then: 0.3 ± 1 % (about seven standard deviations), and another seed is another sequence
    assertThat(failures / (double) n).isBetween(0.29, 0.31);
    assertThat(disagreements).isGreaterThan(n / 4);
    assertThat(new FailureSchedule(1, 0.0).fails(0)).isFalse();
    assertThat(new FailureSchedule(1, 1.0).fails(0)).isTrue();
  }

  @Test
  void a_request_without_a_model_gets_a_400() throws Exception {
    // given
    start(UpstreamStub.Options.defaults());

    // when
    HttpResponse<String> response = post("{\"messages\":[]}");

    // then
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("model is missing");
  }

  @Test
  void bad_options_are_named() {
    assertThatThrownBy(() -> UpstreamStub.Options.parse(new String[] {"--fail-ratio", "1.5", "--fail-model", "m"}))
        .hasMessageContaining("--fail-ratio");
    assertThatThrownBy(() -> UpstreamStub.Options.parse(new String[] {"--threads", "two"}))
        .hasMessageContaining("--threads");
    assertThatThrownBy(() -> UpstreamStub.Options.parse(new String[] {"--port"}))
        .hasMessageContaining("--port needs a value");
    assertThat(UpstreamStub.Options.parse(new String[] {"--fail-model", "m"}).failRatio()).isEqualTo(0.3);
  }

  private void start(UpstreamStub.Options options) {
    stub = UpstreamStub.start(options);
    provider = OpenAiProvider.builder().id("stub").baseUrl(stub.baseUrl().toString()).apiKey("sk-test").build();
  }

  private HttpResponse<String> post(String body) throws Exception {
    return http.send(chatRequest(body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest chatRequest(String body) {
    return HttpRequest.newBuilder(URI.create(stub.baseUrl() + "/chat/completions"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(TIMEOUT).build();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stub.port() + path)).timeout(TIMEOUT)
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
