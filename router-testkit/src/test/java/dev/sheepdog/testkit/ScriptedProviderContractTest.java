package dev.sheepdog.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Usage;
import java.time.Duration;
import java.util.List;

/** ScriptedProvider keeps the contract it helps others test. */
class ScriptedProviderContractTest extends ChatProviderContractTest {
  private final ScriptedProvider provider = ScriptedProvider.create("scripted", Scheduler.system());
  private final ModelSpec model = ModelSpec.builder("m1", "scripted").build();

  @Override
  protected ChatProvider provider() {
    return provider;
  }

  @Override
  protected ModelSpec model() {
    return model;
  }

  @Override
  protected void givenAnswer(String content, Usage usage) {
    provider.model("m1").then(Outcome.ok(content).withUsage(usage));
  }

  @Override
  protected void givenFailure(FailureKind kind) {
    provider.model("m1").then(kind == FailureKind.RATE_LIMITED
        ? Outcome.rateLimited(Duration.ofSeconds(2))
        : Outcome.fail(kind));
  }

  @Override
  protected void givenNoAnswer() {
    provider.model("m1").then(Outcome.hang());
  }

  @Override
  protected void givenStream(List<String> chunks, Usage usage) {
    provider.model("m1").then(Outcome.stream(chunks.toArray(String[]::new)).withUsage(usage));
  }

  @Override
  protected void givenStreamBrokenAfter(List<String> chunks) {
    provider.model("m1").then(Outcome.stream(chunks.toArray(String[]::new))
        .failingAfter(chunks.size(), FailureKind.UNAVAILABLE));
  }

  @Override
  protected void assertUpstreamCancelled() {
    List<ScriptedProvider.Call> calls = provider.calls();
    assertThat(calls.get(calls.size() - 1).wasCancelled()).isTrue();
  }
}
