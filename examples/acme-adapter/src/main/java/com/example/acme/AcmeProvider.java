package com.example.acme;

import com.squareup.moshi.Json;
import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.HttpFailures;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Usage;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;

/** Acme's API: {@code POST {base}/generate}, answered with one JSON document or, streamed, with JSON lines. */
public final class AcmeProvider implements ChatProvider {
  static final int MAX_REPLY = 1 << 20;
  private static final JsonAdapter<Generate> REQUEST = new Moshi.Builder().build().adapter(Generate.class);
  private static final JsonAdapter<Reply> REPLY = new Moshi.Builder().build().adapter(Reply.class);
  private final ProviderId id;
  private final URI generate;
  private final String apiKey;
  private final HttpClient client;
  private final Duration readTimeout;

  /** What Acme is asked. */
  public record Generate(String model, String prompt, boolean stream) {}

  /** An answer or a line of a stream ({@code text}), a stream's last line (the usage), or an error. */
  public record Reply(String text, @Json(name = "input_tokens") Long inputTokens,
      @Json(name = "output_tokens") Long outputTokens, String error) {
    Usage usage() {
      return inputTokens == null || outputTokens == null ? null : new Usage(inputTokens, outputTokens);
    }
  }

  /** @param client a started Jetty client, shared with other providers: this one never stops it */
  public AcmeProvider(String id, URI baseUrl, String apiKey, HttpClient client, Duration readTimeout) {
    this.id = ProviderId.of(id);
    this.generate = URI.create(baseUrl.toString().replaceAll("/+$", "") + "/generate");
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
    this.client = client;
    this.readTimeout = readTimeout;
  }

  @Override
  public ProviderId id() {
    return id;
  }

  @Override
  public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest chat, CallOptions options) {
    Request request = post(model, chat, options, false).timeout(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
    CompletableFuture<ContentResponse> reply = new CompletableResponseListener(request, MAX_REPLY).send();
    CompletableFuture<ChatResponse> answer = reply.handle((response, failure) -> {
      String body = response == null ? "" : response.getContentAsString();
      Reply json = response != null && response.getStatus() == 200 ? read(body) : null;
      if (json == null || json.text() == null) {
        throw failure(response, body, failure);
      }
      return ChatResponse.of("acme", model.upstreamName(), json.text(), "stop", json.usage());
    });
    answer.whenComplete((done, failure) -> reply.cancel(true)); // cancelling the answer aborts the request
    return answer;
  }

  @Override
  public StreamHandle stream(ModelSpec model, ChatRequest chat, CallOptions options, StreamListener listener) {
    Request request = post(model, chat, options, true);
    AcmeStream stream = new AcmeStream(this, model.upstreamName(), listener, request, client.getScheduler().schedule(
        () -> request.abort(new TimeoutException("no line within " + options.timeout())),
        options.timeout().toMillis(), TimeUnit.MILLISECONDS));
    request.send(stream);
    return stream;
  }

  private Request post(ModelSpec model, ChatRequest chat, CallOptions options, boolean stream) {
    String prompt = String.join("\n", chat.messages().stream().map(m -> m.role() + ": " + m.text()).toList());
    String json = REQUEST.toJson(new Generate(model.upstreamName(), prompt, stream));
    return client.newRequest(generate).method("POST").idleTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + apiKey).put("X-Request-Id", options.requestId()))
        .body(new StringRequestContent("application/json", json));
  }

  /** Why a call brought no answer: Acme's error status (the table every HTTP adapter shares), or what went wrong. */
  ProviderException failure(Response response, String body, Throwable failure) {
    if (failure instanceof ProviderException malformedLine) {
      return malformedLine;
    }
    // Jetty's HttpResponseException: a reply it could not parse, with a status of Jetty's own
    if (response != null && response.getStatus() > 200 && !(failure instanceof HttpResponseException)) {
      Reply error = read(body);
      String message = error != null && error.error() != null ? error.error() : body;
      return HttpFailures.of(response.getStatus(), response.getHeaders().get(HttpHeader.RETRY_AFTER),
          message.replace(apiKey, "[redacted]"), Instant.now());
    }
    FailureKind kind = failure instanceof TimeoutException ? FailureKind.TIMEOUT
        : failure == null || failure instanceof HttpResponseException ? FailureKind.MALFORMED_RESPONSE
        : FailureKind.UNAVAILABLE;
    return new ProviderException(kind, 0, failure == null ? "not an answer of Acme's"
        : failure.getClass().getSimpleName(), null, failure);
  }

  static Reply read(String json) {
    try {
      return REPLY.fromJson(json);
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }
}
