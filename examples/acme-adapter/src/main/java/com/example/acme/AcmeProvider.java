package com.example.acme;

import com.squareup.moshi.Json;
import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import dev.sheepdog.adapter.http.HttpCalls;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Usage;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;

/** Acme's API: {@code POST {base}/generate}, answered with one JSON document or, streamed, with JSON lines. */
public final class AcmeProvider implements ChatProvider {
  private static final JsonAdapter<Generate> REQUEST = new Moshi.Builder().build().adapter(Generate.class);
  private static final JsonAdapter<Reply> REPLY = new Moshi.Builder().build().adapter(Reply.class);
  /** Replies and lines of at most 1 MiB; an error's message is its {@code "error"}, else its body. */
  private static final HttpCalls HTTP = HttpCalls.create().maxBytes(1 << 20)
      .errors(body -> REPLY.fromJson(body).error());
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
    return HTTP.send(post(model, chat, options, false), options, reply -> {
      Reply json = REPLY.fromJson(reply.body());
      if (json == null || json.text() == null) {
        throw malformed("not an answer of Acme's");
      }
      return ChatResponse.of("acme", model.upstreamName(), json.text(), "stop", json.usage());
    });
  }

  @Override
  public StreamHandle stream(ModelSpec model, ChatRequest chat, CallOptions options, StreamListener listener) {
    String name = model.upstreamName();
    return HTTP.streamLines(post(model, chat, options, true), options, listener, (line, out) -> {
      Reply json = REPLY.fromJson(line);
      if (json != null && json.text() != null) {
        out.chunk(ChatChunk.ofText("acme", name, json.text(), null));
      } else if (json != null && json.usage() != null) { // Acme's end is its usage line
        ChatChunk stop = ChatChunk.ofText("acme", name, "", "stop");
        out.end(new ChatChunk("acme", name, stop.choices(), json.usage(), Map.of()));
      } else {
        throw malformed("not a line of Acme's");
      }
    });
  }

  private Request post(ModelSpec model, ChatRequest chat, CallOptions options, boolean stream) {
    String prompt = String.join("\n", chat.messages().stream().map(m -> m.role() + ": " + m.text()).toList());
    String json = REQUEST.toJson(new Generate(model.upstreamName(), prompt, stream));
    return client.newRequest(generate).method("POST").idleTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + apiKey).put("X-Request-Id", options.requestId()))
        .body(new StringRequestContent("application/json", json));
  }

  private static ProviderException malformed(String message) {
    return new ProviderException(FailureKind.MALFORMED_RESPONSE, 200, message);
  }
}
