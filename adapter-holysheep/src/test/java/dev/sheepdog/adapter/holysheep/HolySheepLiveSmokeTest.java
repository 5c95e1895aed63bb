package dev.sheepdog.adapter.holysheep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.ModelId;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** Talks to the real HolySheep API; runs only where a key is configured. */
@EnabledIfEnvironmentVariable(named = HolySheep.API_KEY_ENV, matches = ".+")
class HolySheepLiveSmokeTest {
  @Test
  void answers_a_short_question_with_usage() throws Exception {
    // given
    try (OpenAiProvider provider = HolySheep.provider()) {
      ChatRequest request = ChatRequest.builder().user("Reply with the single word: pong").maxTokens(5).build();
      // when
      ChatResponse answer = provider.complete(HolySheep.catalog().require(ModelId.of("deepseek-chat")), request,
          CallOptions.of(Duration.ofSeconds(30), "live-smoke")).get(40, TimeUnit.SECONDS);
      // then
      assertThat(answer.content()).isNotBlank();
      assertThat(answer.usage()).isNotNull();
    }
  }
}
