package dev.sheepdog.adapter.openai.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.ChatProviderContractTest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;

/** The sample adapter of docs/adapters.md, proven against the provider contract. */
class EchoProviderContractTest extends ChatProviderContractTest {
  private final ScheduledThreadPoolExecutor timer = (ScheduledThreadPoolExecutor) Executors.newScheduledThreadPool(1);
  private final EchoProvider provider = new EchoProvider("echo", timer);
  private final ModelSpec model = ModelSpec.builder("echo-1", "echo").build();
  private ChatMessage nextPrompt = ChatMessage.user("Say hello.");

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  @Override
  protected ChatProvider provider() {
    return provider;
  }

  @Override
  protected ModelSpec model() {
    return model;
  }

  @Override
  protected ChatRequest request() {
    return ChatRequest.builder().message(nextPrompt).build();
  }

  @Override
  protected void givenAnswer(String content, Usage usage) {
    // the echo answers with the prompt
    nextPrompt = ChatMessage.user(content);
    provider.usage(usage);
  }

  @Override
  protected void givenFailure(FailureKind kind) {
    provider.failNext(kind);
  }

  @Override
  protected void givenNoAnswer() {
    provider.delay(60_000);
  }

  @Override
  protected void givenStream(List<String> chunks, Usage usage) {
    // one text part per chunk to stream back
    List<Object> parts = chunks.stream().<Object>map(c -> Map.of("type", "text", "text", c)).toList();
    nextPrompt = new ChatMessage("user", String.join("", chunks), Map.of("content", parts));
    provider.usage(usage);
  }

  @Override
  protected void givenStreamBrokenAfter(List<String> chunks) {
    provider.failNext(FailureKind.UNAVAILABLE);
  }

  @Override
  protected void assertUpstreamCancelled() {
    // a cancelled reply leaves the timer's queue
    timer.purge();
    assertThat(timer.getQueue()).isEmpty();
  }
}
