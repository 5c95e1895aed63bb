package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.wire.openai.JsonNumber;
import dev.sheepdog.wire.openai.WireJson;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the adapter sends, and what it keeps of what comes back. */
class OpenAiWireTest {
  private static final CallOptions OPTIONS = CallOptions.of(Duration.ofSeconds(10), "req-42");

  private final Upstream upstream = new Upstream();

  @AfterEach
  void stop() {
    upstream.close();
  }

  @Test
  void sends_a_chat_completion_with_auth_headers_and_pass_through_fields() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.answer("ok", null)));
    OpenAiProvider provider = upstream.provider().organization("org-1").project("proj-1").header("X-Proxy-Route", "blue").build();
    ChatRequest request = ChatRequest.builder()
        .system("Be brief.")
        .message(new ChatMessage("assistant", null, Map.of("tool_calls", List.of(Map.of("id", "call_1", "type", "function")))))
        .message(new ChatMessage("tool", "42", Map.of("tool_call_id", "call_1")))
        .extension("seed", 42L)
        .extension("stop", List.of("\n\n"))
        .extension("tools", List.of(Map.of("type", "function", "function", Map.of("name", "lookup"))))
        .extension("tool_choice", "auto")
        .extension("user", "u-7")
        .build();
    // when
    provider.complete(Upstream.MODEL, request, OPTIONS).get(10, TimeUnit.SECONDS);
    // then
    RecordedRequest sent = upstream.take();
    assertThat(sent.getMethod()).isEqualTo("POST");
    assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
    assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer " + Upstream.KEY);
    assertThat(sent.getHeaders().get("OpenAI-Organization")).isEqualTo("org-1");
    assertThat(sent.getHeaders().get("OpenAI-Project")).isEqualTo("proj-1");
    assertThat(sent.getHeaders().get("X-Proxy-Route")).isEqualTo("blue");
    assertThat(sent.getHeaders().get("X-Request-Id")).isEqualTo("req-42");
    assertThat(sent.getHeaders().get("Content-Type")).startsWith("application/json");
    String raw = sent.getBody().utf8();
    assertThat(raw).contains("\"seed\":42,").doesNotContain("42.0").contains("\"max_tokens\":2000");
    Map<String, Object> body = Upstream.bodyOf(sent);
    assertThat(body).containsEntry("model", "gpt-4.1-2025-04-14")
        .containsEntry("temperature", 0.7)
        .containsEntry("tool_choice", "auto")
        .containsEntry("user", "u-7")
        .containsEntry("stop", List.of("\n\n"))
        .doesNotContainKeys("stream", "stream_options");
    assertThat(body.get("messages")).isEqualTo(List.of(
        Map.of("role", "system", "content", "Be brief."),
        Map.of("role", "assistant", "tool_calls", List.of(Map.of("id", "call_1", "type", "function"))),
        Map.of("role", "tool", "content", "42", "tool_call_id", "call_1")));
    assertThat(body.get("tools")).isEqualTo(List.of(Map.of("type", "function", "function", Map.of("name", "lookup"))));
  }

  @Test
  void sends_pass_through_numbers_as_their_literals() throws Exception {
    // given: members as a client sent them, read as the gateway reads them
    upstream.enqueue(Upstream.json(200, Upstream.answer("ok", null)));
    String members = "\"seed\":12345678901234567890,\"top_p\":1.0,\"frequency_penalty\":-0,\"x_scale\":1E+400,"
        + "\"presence_penalty\":0.7,\"logit_bias\":{\"50256\":-100.000,\"13\":1e-7},\"x_long\":" + "9".repeat(100_000);
    @SuppressWarnings("unchecked")
    Map<String, Object> extensions = (Map<String, Object>) WireJson.parseStrict(
        ("{" + members + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    ChatRequest request = new ChatRequest(List.of(ChatMessage.user("hi")), null, null, false, extensions);
    // when
    upstream.provider().build().complete(Upstream.MODEL, request, OPTIONS).get(10, TimeUnit.SECONDS);
    // then
    String raw = upstream.take().getBody().utf8();
    assertThat(raw).endsWith("," + members + "}");
  }

  @Test
  void reads_counts_and_keeps_numbers_of_the_answer_as_their_literals() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0.0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"logprobs\":{\"content\":[{\"token\":\"ok\","
        + "\"logprob\":-0.10000000000000000001}]},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":1.2e1,\"completion_tokens\":3.0}}"));
    // when
    ChatResponse answer = upstream.provider().build().complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS)
        .get(10, TimeUnit.SECONDS);
    // then
    assertThat(answer.usage()).isEqualTo(new dev.sheepdog.spi.Usage(12, 3));
    assertThat(answer.choices().get(0).index()).isZero();
    assertThat(answer.choices().get(0).extensions().get("logprobs")).hasToString(
        "{content=[{token=ok, logprob=-0.10000000000000000001}]}");
  }

  @Test
  void sends_array_content_as_it_came() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.answer("ok", null)));
    List<Object> parts = List.of(Map.of("type", "text", "text", "What is this?"),
        Map.of("type", "image_url", "image_url", Map.of("url", "https://example.com/cat.png")));
    ChatRequest request = ChatRequest.builder().message(new ChatMessage("user", "What is this?", Map.of("content", parts))).build();
    // when
    upstream.provider().build().complete(Upstream.MODEL, request, OPTIONS).get(10, TimeUnit.SECONDS);
    // then
    Map<String, Object> body = Upstream.bodyOf(upstream.take());
    assertThat(body.get("messages")).isEqualTo(List.of(Map.of("role", "user", "content", parts)));
  }

  @Test
  void keeps_members_the_router_does_not_interpret() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"id\":\"c1\",\"model\":\"m\",\"system_fingerprint\":\"fp_9\",\"service_tier\":\"default\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":null,"
        + "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
        + "\"logprobs\":{\"content\":[]},\"finish_reason\":\"tool_calls\"}],"
        + "\"usage\":{\"prompt_tokens\":9007199254740993,\"completion_tokens\":2}}"));
    // when
    ChatResponse answer = upstream.provider().build().complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS).get(10, TimeUnit.SECONDS);
    // then
    assertThat(answer.extensions()).containsEntry("system_fingerprint", "fp_9").containsEntry("service_tier", "default");
    assertThat(answer.choices().get(0).extensions()).containsEntry("logprobs", Map.of("content", List.of()));
    ChatMessage message = answer.choices().get(0).message();
    assertThat(message.content()).isNull();
    assertThat(message.fields()).containsKey("refusal").containsEntry("tool_calls",
        List.of(Map.of("id", "call_1", "type", "function", "function", Map.of("name", "f", "arguments", "{}"))));
    assertThat(answer.finishReason()).isEqualTo("tool_calls");
    assertThat(answer.usage().promptTokens()).isEqualTo(9007199254740993L);
  }

  @Test
  void a_stream_asks_for_usage_and_event_stream() throws Exception {
    // given
    upstream.enqueue(Upstream.sse(Upstream.wholeStream(List.of("x"), new dev.sheepdog.spi.Usage(1, 1))));
    CountDownLatch done = new CountDownLatch(1);
    ChatRequest request = ChatRequest.builder().user("hi").stream(true)
        .extension("stream_options", Map.of("continuous_usage_stats", true)).build();
    // when
    upstream.provider().build().stream(Upstream.MODEL, request, OPTIONS, new StreamListener() {
      @Override
      public void onChunk(ChatChunk chunk) {}

      @Override
      public void onComplete() {
        done.countDown();
      }

      @Override
      public void onError(ProviderException failure) {
        done.countDown();
      }
    });
    // then
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    RecordedRequest sent = upstream.take();
    assertThat(sent.getHeaders().get("Accept")).isEqualTo("text/event-stream");
    assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer " + Upstream.KEY);
    Map<String, Object> body = Upstream.bodyOf(sent);
    assertThat(body).containsEntry("stream", true)
        .containsEntry("stream_options", Map.of("continuous_usage_stats", true, "include_usage", true));
  }

  @Test
  void lists_the_models_of_the_upstream() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4.1\",\"object\":\"model\"},{\"id\":\"deepseek-chat\"}]}"));
    // when
    List<String> models = upstream.provider().build().listModels().get(10, TimeUnit.SECONDS);
    // then
    assertThat(models).containsExactly("gpt-4.1", "deepseek-chat");
    RecordedRequest sent = upstream.take();
    assertThat(sent.getMethod()).isEqualTo("GET");
    assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/models");
  }

  @Test
  void a_server_without_a_key_gets_no_authorization_header() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.answer("ok", null)));
    OpenAiProvider local = OpenAiProvider.builder().id("local").baseUrl(upstream.server.url("/v1/").toString()).build();
    // when
    local.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS).get(10, TimeUnit.SECONDS);
    local.close();
    // then
    assertThat(upstream.take().getHeaders().get("Authorization")).isNull();
  }
}
