package dev.sheepdog.adapter.holysheep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.ChatProviderContractTest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HolySheep preset keeps the provider contract, and sends what HolySheep expects. */
class HolySheepProviderContractTest extends ChatProviderContractTest {
  private static final String KEY = "sk-holysheep-test-SECRET123";

  private final MockWebServer server = new MockWebServer();
  private final List<Call> cancelled = new CopyOnWriteArrayList<>();
  private final OkHttpClient shared = new OkHttpClient.Builder()
      .eventListener(new EventListener() {
        @Override
        public void canceled(Call call) {
          cancelled.add(call);
        }
      })
      .build();
  private final ChatProvider provider;

  HolySheepProviderContractTest() throws IOException {
    server.start();
    provider = HolySheep.builder(KEY, server.url("/v1").toString()).client(shared).build();
  }

  @AfterEach
  void stop() {
    shared.dispatcher().cancelAll();
    server.close();
    shared.dispatcher().executorService().shutdown();
  }

  @Test
  void sends_the_bearer_key_and_the_upstream_model_name() throws Exception {
    // given
    givenAnswer("hi", new Usage(1, 1));
    // when
    await(provider().complete(model(), request(), options(PATIENCE)));
    // then
    RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
    assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);
    assertThat(sent.getBody().utf8()).contains("\"model\":\"deepseek-chat\"");
  }

  @Override
  protected ChatProvider provider() {
    return provider;
  }

  @Override
  protected ModelSpec model() {
    return HolySheep.catalog().require(ModelId.of("deepseek-chat"));
  }

  @Override
  protected String apiKey() {
    return KEY;
  }

  @Override
  protected void givenAnswer(String content, Usage usage) {
    server.enqueue(json(200, "{\"id\":\"c1\",\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"message\":"
        + "{\"role\":\"assistant\",\"content\":\"" + content + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
        + usage.promptTokens() + ",\"completion_tokens\":" + usage.completionTokens() + "}}"));
  }

  @Override
  protected void givenFailure(FailureKind kind) {
    int status = switch (kind) {
      case UNAVAILABLE -> 503;
      case RATE_LIMITED -> 429;
      case UNAUTHORIZED -> 401;
      case BAD_REQUEST -> 400;
      default -> throw new IllegalArgumentException("no script for " + kind);
    };
    server.enqueue(new MockResponse.Builder(json(status,
        "{\"error\":{\"message\":\"failed for key " + KEY + "\",\"type\":\"error\"}}"))
        .setHeader("Retry-After", "2").build());
  }

  @Override
  protected void givenNoAnswer() {
    server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
  }

  @Override
  protected void givenStream(List<String> chunks, Usage usage) {
    List<String> events = new ArrayList<>();
    for (String chunk : chunks) {
      events.add("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + chunk + "\"},\"finish_reason\":null}]}");
    }
    events.add("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
    events.add("{\"choices\":[],\"usage\":{\"prompt_tokens\":" + usage.promptTokens() + ",\"completion_tokens\":"
        + usage.completionTokens() + "}}");
    events.add("[DONE]");
    server.enqueue(sse(events));
  }

  @Override
  protected void givenStreamBrokenAfter(List<String> chunks) {
    List<String> events = new ArrayList<>();
    for (String chunk : chunks) {
      events.add("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + chunk + "\"},\"finish_reason\":null}]}");
    }
    server.enqueue(sse(events));
  }

  @Override
  protected void assertUpstreamCancelled() {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (cancelled.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(cancelled).isNotEmpty();
  }

  private static MockResponse json(int status, String body) {
    return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body).build();
  }

  private static MockResponse sse(List<String> events) {
    StringBuilder body = new StringBuilder();
    events.forEach(e -> body.append("data: ").append(e).append("\n\n"));
    return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body.toString()).build();
  }
}
