package dev.sheepdog.adapter.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.ChatProviderContractTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/** The sandbox keeps the provider contract, in real time on the system scheduler. */
class SandboxProviderContractTest extends ChatProviderContractTest {
  private static final ModelId MODEL = ModelId.of("sandbox-model");
  private static final ModelId EMBEDDING_MODEL = ModelId.of("sandbox-embedding-model");
  private static final SandboxProfile PROFILE = SandboxProfile.ofMillis(20, 30, 100).withTailProbability(0)
      .withTokensPerSecond(10_000);

  private final ConcurrentLinkedQueue<SandboxAnswer> scripted = new ConcurrentLinkedQueue<>();
  private final RecordingScheduler scheduler = new RecordingScheduler();
  private final SandboxProvider sandbox = SandboxProvider.builder()
      .seed(7)
      .timeScale(0.1)
      .scheduler(scheduler)
      .profiles(java.util.Map.of(MODEL, PROFILE, EMBEDDING_MODEL, PROFILE))
      .answers((model, request) -> {
        SandboxAnswer next = scripted.poll();
        return next != null ? next : SandboxAnswers.placeholder().answer(model, request);
      })
      .build();

  @Override
  protected ChatProvider provider() {
    return sandbox;
  }

  @Override
  protected ModelSpec model() {
    return ModelSpec.builder(MODEL.value(), SandboxProvider.DEFAULT_ID).build();
  }

  @Override
  protected ModelSpec embeddingModel() {
    return ModelSpec.builder(EMBEDDING_MODEL.value(), SandboxProvider.DEFAULT_ID).embedding(16).build();
  }

  @Override
  protected Set<FailureKind> classifiedKinds() {
    return EnumSet.of(FailureKind.UNAVAILABLE, FailureKind.RATE_LIMITED);
  }

  @Override
  protected void givenAnswer(String content, Usage usage) {
    sandbox.faults().healAll();
    scripted.add(SandboxAnswer.of(List.of(content), usage));
  }

  @Override
  protected void givenFailure(FailureKind kind) {
    for (ModelId model : List.of(MODEL, EMBEDDING_MODEL)) {
      switch (kind) {
        case UNAVAILABLE -> sandbox.faults().outage(model);
        case RATE_LIMITED -> sandbox.faults().rateLimitStorm(model, Duration.ofSeconds(5));
        default -> throw new IllegalArgumentException("the sandbox does not simulate " + kind);
      }
    }
  }

  @Override
  protected void givenNoAnswer() {
    sandbox.faults().stall(MODEL).stall(EMBEDDING_MODEL);
  }

  @Override
  protected void givenStream(List<String> chunks, Usage usage) {
    sandbox.faults().healAll();
    scripted.add(SandboxAnswer.of(chunks, usage));
  }

  @Override
  protected void givenStreamBrokenAfter(List<String> chunks) {
    sandbox.faults().brokenStream(MODEL);
    List<String> twice = new ArrayList<>(chunks);
    twice.addAll(chunks);
    scripted.add(SandboxAnswer.of(twice, new Usage(1, twice.size())));
  }

  @Override
  protected void assertUpstreamCancelled() {
    assertThat(scheduler.cancelled.get()).as("pending answers cancelled").isPositive();
    assertThat(scheduler.waiting()).as("answers still pending").isZero();
  }
}
