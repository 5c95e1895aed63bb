package dev.sheepdog.adapter.openai;

import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.ChatProviderContractTest;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;

/**
 * The OpenAI adapter keeps the provider contract against a real socket, on the default transport
 * (Jetty); {@link OkHttpProviderContractTest} runs it on the OkHttp option.
 */
class OpenAiProviderContractTest extends ChatProviderContractTest {
  private final Upstream upstream = new Upstream(transport());
  private final OpenAiProvider provider = upstream.provider().build();

  /** The transport the contract runs on. */
  Upstream.Transport transport() {
    return Upstream.Transport.JETTY;
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  @Override
  protected ChatProvider provider() {
    return provider;
  }

  @Override
  protected ModelSpec model() {
    return Upstream.MODEL;
  }

  @Override
  protected ModelSpec embeddingModel() {
    return Upstream.EMBEDDING_MODEL;
  }

  @Override
  protected void givenEmbeddings(int inputs, int dimensions) {
    upstream.enqueue(Upstream.json(200, Upstream.embeddings(inputs, dimensions, 4)));
  }

  @Override
  protected String apiKey() {
    return Upstream.KEY;
  }

  @Override
  protected Set<FailureKind> classifiedKinds() {
    return EnumSet.of(FailureKind.UNAVAILABLE, FailureKind.RATE_LIMITED, FailureKind.UNAUTHORIZED,
        FailureKind.BAD_REQUEST, FailureKind.CONTEXT_TOO_LONG, FailureKind.CONTENT_FILTERED,
        FailureKind.MALFORMED_RESPONSE);
  }

  @Override
  protected void givenAnswer(String content, Usage usage) {
    upstream.enqueue(Upstream.json(200, Upstream.answer(content, usage)));
  }

  @Override
  protected void givenFailure(FailureKind kind) {
    upstream.enqueue(switch (kind) {
      case UNAVAILABLE -> Upstream.error(503, "server_error", null, "The server is overloaded. Key " + Upstream.KEY);
      case RATE_LIMITED -> new MockResponse.Builder(Upstream.error(429, "requests", "rate_limit_exceeded", "Slow down"))
          .setHeader("Retry-After", "2").build();
      case UNAUTHORIZED -> Upstream.error(401, "invalid_request_error", "invalid_api_key",
          "Incorrect API key provided: " + Upstream.KEY);
      case BAD_REQUEST -> Upstream.error(400, "invalid_request_error", null, "messages is required");
      case CONTEXT_TOO_LONG -> Upstream.error(400, "invalid_request_error", "context_length_exceeded",
          "This model's maximum context length is 8192 tokens.");
      case CONTENT_FILTERED -> Upstream.error(400, "invalid_request_error", "content_policy_violation", "Refused");
      case MALFORMED_RESPONSE -> Upstream.json(200, "{\"id\": \"x\", \"choices\": [");
      default -> throw new IllegalArgumentException("no script for " + kind);
    });
  }

  @Override
  protected void givenNoAnswer() {
    upstream.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
  }

  @Override
  protected void givenStream(List<String> chunks, Usage usage) {
    upstream.enqueue(Upstream.sse(Upstream.wholeStream(chunks, usage)));
  }

  @Override
  protected void givenStreamBrokenAfter(List<String> chunks) {
    upstream.enqueue(Upstream.sse(Upstream.events(chunks.stream().map(c -> Upstream.chunk(c, null)).toList())));
  }

  @Override
  protected void assertUpstreamCancelled() throws Exception {
    upstream.awaitCancelled();
  }
}
