package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's own Java client, unchanged but for its base URL, against the gateway: it must parse
 * our answers, streams and errors with its response validation on.
 */
class OpenAiSdkTest {
  private static final String CLIENT_KEY = "gw-sdk-client-key-1";

  private GatewayFixture fixture;
  private OpenAIClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  private void start() {
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    client = OpenAIOkHttpClient.builder()
        .baseUrl(fixture.gateway.uri() + "/v1")
        .apiKey(CLIENT_KEY)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(10))
        .responseValidation(true)
        .build();
  }

  private static ChatCompletionCreateParams params(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Hi").build();
  }

  @Test
  void the_client_completes_a_chat_through_a_failover() throws Exception {
    // given
    start();
    fixture.alpha.enqueue(Upstream.error(503, "overloaded"));
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("Hello from b")));
    // when
    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(params("auto"));
    ChatCompletion completion = raw.parse();
    // then
    assertThat(completion.model()).isEqualTo("model-b");
    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).hasValue("Hello from b");
    assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(completion.usage()).hasValueSatisfying(usage -> assertThat(usage.totalTokens()).isEqualTo(15));
    assertThat(raw.headers().values("X-Sheepdog-Model")).containsExactly("model-b");
    assertThat(raw.headers().values("X-Sheepdog-Attempts")).containsExactly("2");
    fixture.alpha.take();
    RecordedRequest upstream = fixture.beta.take();
    assertThat(upstream.getHeaders().get("Authorization")).isEqualTo("Bearer " + GatewayFixture.UPSTREAM_KEY_B);
    assertThat(upstream.getBody().utf8()).contains("\"model\":\"upstream-b\"", "\"content\":\"Hi\"");
  }

  @Test
  void the_client_reads_a_stream_to_its_end() {
    // given
    start();
    fixture.alpha.enqueue(Upstream.sse(Upstream.wholeStream("Hel", "lo", " there")));
    // when
    List<ChatCompletionChunk> chunks;
    List<String> model;
    HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
        client.chat().completions().withRawResponse().createStreaming(params("auto"));
    try (StreamResponse<ChatCompletionChunk> stream = raw.parse()) {
      model = raw.headers().values("X-Sheepdog-Model");
      chunks = stream.stream().toList();
    }
    // then
    assertThat(model).containsExactly("model-a");
    assertThat(chunks).isNotEmpty().allSatisfy(chunk -> assertThat(chunk.model()).isEqualTo("model-a"));
    String text = chunks.stream().flatMap(chunk -> chunk.choices().stream())
        .map(choice -> choice.delta().content().orElse("")).collect(Collectors.joining());
    assertThat(text).isEqualTo("Hello there");
    assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason())
        .hasValue(ChatCompletionChunk.Choice.FinishReason.STOP);
  }

  @Test
  void the_client_sees_a_failure_as_an_openai_error() {
    // given
    start();
    fixture.alpha.enqueue(Upstream.error(500, "boom"));
    fixture.beta.enqueue(Upstream.error(500, "boom"));
    // when
    OpenAIServiceException error = catchThrowableOfType(OpenAIServiceException.class,
        () -> client.chat().completions().create(params("auto")));
    // then
    assertThat(error.statusCode()).isEqualTo(503);
    assertThat(error.code()).hasValue("all_models_failed");
    assertThat(error.type()).hasValue("server_error");
    assertThat(error.getMessage()).contains("every model failed");
  }
}
