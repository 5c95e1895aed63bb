package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.ModelSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** Talks to the real OpenAI API; runs only where OPENAI_API_KEY is set. */
@EnabledIfEnvironmentVariable(named = "OPENAI_API_KEY", matches = ".+")
class OpenAiLiveSmokeTest {
  @Test
  void answers_a_short_question_and_lists_models() throws Exception {
    // given
    try (OpenAiProvider provider = OpenAiProvider.builder().id("openai").baseUrl("https://api.openai.com/v1")
        .apiKey(System.getenv("OPENAI_API_KEY")).build()) {
      ModelSpec model = ModelSpec.builder("gpt-4.1-mini", "openai").build();
      ChatRequest request = ChatRequest.builder().user("Reply with the single word: pong").maxTokens(5).build();
      // when
      ChatResponse answer = provider.complete(model, request, CallOptions.of(Duration.ofSeconds(30), "live-smoke"))
          .get(40, TimeUnit.SECONDS);
      List<String> models = provider.listModels().get(40, TimeUnit.SECONDS);
      // then
      assertThat(answer.content()).isNotBlank();
      assertThat(answer.usage()).isNotNull();
      assertThat(models).isNotEmpty();
    }
  }
}
