package com.example.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.ChatProviderContractTest;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import okio.BufferedSink;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.junit.jupiter.api.AfterEach;

/** The provider contract, against Acme played by a local MockWebServer. */
class AcmeProviderContractTest extends ChatProviderContractTest {
  static final String KEY = "acme-test-key-0123456789";
  static final ModelSpec MODEL = ModelSpec.builder("acme-large", "acme").upstreamName("large-2").build();

  final MockWebServer server = new MockWebServer();
  private final HttpClient client = startedClient();
  private final CountDownLatch hangingClosed = new CountDownLatch(1);
  private final AcmeProvider provider;

  AcmeProviderContractTest() throws Exception {
    server.start();
    provider = new AcmeProvider("acme", server.url("/v1").uri(), KEY, client, Duration.ofSeconds(10));
  }

  /** A Jetty client like the gateway's shared one: a 401 without a challenge reaches the provider as it is. */
  static HttpClient startedClient() {
    HttpClient client = new HttpClient();
    try {
      client.start();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    client.getProtocolHandlers().remove(WWWAuthenticationProtocolHandler.NAME);
    return client;
  }

  @AfterEach
  void stop() throws Exception {
    client.stop();
    server.close();
  }

  @Override
  protected ChatProvider provider() {
    return provider;
  }

  @Override
  protected ModelSpec model() {
    return MODEL;
  }

  @Override
  protected String apiKey() {
    return KEY;
  }

  @Override
  protected Set<FailureKind> classifiedKinds() {
    return EnumSet.of(FailureKind.UNAVAILABLE, FailureKind.RATE_LIMITED, FailureKind.UNAUTHORIZED,
        FailureKind.BAD_REQUEST, FailureKind.MALFORMED_RESPONSE);
  }

  @Override
  protected void givenAnswer(String content, Usage usage) {
    server.enqueue(json(200, "{\"text\":\"" + content + "\",\"input_tokens\":" + usage.promptTokens()
        + ",\"output_tokens\":" + usage.completionTokens() + "}"));
  }

  @Override
  protected void givenFailure(FailureKind kind) {
    server.enqueue(switch (kind) {
      // Acme echoes the key it was sent: the provider must not pass it on
      case UNAVAILABLE -> json(503, "{\"error\":\"overloaded; your key " + KEY + " is fine\"}");
      case RATE_LIMITED -> new MockResponse.Builder(json(429, "{\"error\":\"slow down\"}"))
          .setHeader("Retry-After", "2").build();
      case UNAUTHORIZED -> json(401, "{\"error\":\"unknown key " + KEY + "\"}");
      case BAD_REQUEST -> json(400, "{\"error\":\"prompt must not be empty\"}");
      case MALFORMED_RESPONSE -> json(200, "{\"text\":\"cut sh");
      default -> throw new IllegalArgumentException("no script for " + kind);
    });
  }

  @Override
  protected void givenNoAnswer() {
    // the status and headers, then only blank keep-alive lines, until a write fails: the client has gone
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/x-ndjson")
        .body(new MockResponseBody() {
          @Override
          public long getContentLength() {
            return 1_000_000; // more than is ever written
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            try {
              while (true) {
                sink.writeUtf8("\n").flush();
                Thread.sleep(20);
              }
            } catch (IOException closed) {
              hangingClosed.countDown();
              throw closed;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }).build());
  }

  @Override
  protected void givenStream(List<String> chunks, Usage usage) {
    StringBuilder lines = new StringBuilder();
    chunks.forEach(chunk -> lines.append("{\"text\":\"").append(chunk).append("\"}\n"));
    lines.append("{\"input_tokens\":").append(usage.promptTokens()).append(",\"output_tokens\":")
        .append(usage.completionTokens()).append("}\n");
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/x-ndjson")
        .chunkedBody(lines.toString(), 7).build());
  }

  @Override
  protected void givenStreamBrokenAfter(List<String> chunks) {
    // the text, then the end of the reply without the usage line
    StringBuilder lines = new StringBuilder();
    chunks.forEach(chunk -> lines.append("{\"text\":\"").append(chunk).append("\"}\n"));
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/x-ndjson")
        .body(lines.toString()).build());
  }

  @Override
  protected void assertUpstreamCancelled() throws Exception {
    // a call cancelled before it was sent never reaches the server; one that did, the server sees closed
    if (server.takeRequest(1, TimeUnit.SECONDS) != null) {
      assertThat(hangingClosed.await(5, TimeUnit.SECONDS)).as("the server saw the connection closed").isTrue();
    }
  }

  static MockResponse json(int status, String body) {
    return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body).build();
  }
}
