package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An {@link Error} thrown while the gateway handles a request (here an {@link OutOfMemoryError}
 * from a provider) ends that request with a 500 in OpenAI's shape and one log line; it never leaves
 * the client waiting, and the gateway goes on serving.
 */
class GatewayErrorTest {
  private final ScriptedProvider scripted = ScriptedProvider.create("up", Scheduler.system());
  private final ThrowingOnce provider = new ThrowingOnce(scripted);
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private GatewayServer gateway;

  @AfterEach
  void close() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void an_out_of_memory_error_in_a_completion_is_a_500_and_the_next_request_is_served() throws Exception {
    // given
    start();
    scripted.model("m").thenAlways(Outcome.ok("fine"));
    try (LogCapture logs = new LogCapture()) {
      // when
      HttpResponse<String> failed = send(false);
      HttpResponse<String> next = send(false);
      // then
      assertError(failed, 500, "server_error", "internal_error");
      assertThat(failed.body()).doesNotContain("OutOfMemory", "simulated");
      assertThat(next.statusCode()).isEqualTo(200);
      assertThat(logs.await(line -> line.contains("failed in the gateway"), 1)).hasSize(1);
      assertThat(logs.await(line -> line.contains("status=500"), 1)).hasSize(1);
    }
  }

  @Test
  void an_out_of_memory_error_starting_a_stream_is_a_500_and_the_next_stream_is_served() throws Exception {
    // given
    start();
    scripted.model("m").thenAlways(Outcome.stream("a", "b"));
    // when
    HttpResponse<String> failed = send(true);
    HttpResponse<String> next = send(true);
    // then
    assertError(failed, 500, "server_error", "internal_error");
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(next.body()).contains("data: [DONE]");
  }

  private void start() {
    Router router = Router.builder()
        .catalog(ModelCatalog.of(ModelSpec.builder("m", "up").build()))
        .provider(provider)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "m").build())
        .build();
    gateway = GatewayServer.start(router, GatewaySettings.builder().port(0).build());
  }

  private HttpResponse<String> send(boolean stream) throws Exception {
    return http.send(HttpRequest.newBuilder(gateway.uri().resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(GatewayFixture.chatBody("auto", stream)))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Throws an {@link OutOfMemoryError} from its first call, then behaves as the scripted provider. */
  private static final class ThrowingOnce implements ChatProvider {
    private final ScriptedProvider delegate;
    private final AtomicBoolean thrown = new AtomicBoolean();

    ThrowingOnce(ScriptedProvider delegate) {
      this.delegate = delegate;
    }

    @Override
    public ProviderId id() {
      return delegate.id();
    }

    @Override
    public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
      throwOnce();
      return delegate.complete(model, request, options);
    }

    @Override
    public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
      throwOnce();
      return delegate.stream(model, request, options, listener);
    }

    private void throwOnce() {
      if (thrown.compareAndSet(false, true)) {
        throw new OutOfMemoryError("simulated");
      }
    }
  }
}
