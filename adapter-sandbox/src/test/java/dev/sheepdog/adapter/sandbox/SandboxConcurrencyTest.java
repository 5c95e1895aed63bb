package dev.sheepdog.adapter.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Many callers and a fault switch at once, on the system scheduler with no latency. */
class SandboxConcurrencyTest {
  private static final ModelId MODEL = ModelId.of("m");

  @Test
  void every_call_ends_once_while_faults_flip_and_the_request_limit_is_contended() throws Exception {
    // given
    SandboxProvider sandbox = SandboxProvider.builder().timeScale(0)
        .profiles(Map.of(MODEL, SandboxProfile.ofMillis(100, 150, 99).withRequestsPerMinute(500)))
        .build();
    ModelSpec spec = ModelSpec.builder("m", SandboxProvider.DEFAULT_ID).build();
    ConcurrentLinkedQueue<CompletableFuture<ChatResponse>> calls = new ConcurrentLinkedQueue<>();
    ExecutorService callers = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    // when
    for (int t = 0; t < 4; t++) {
      callers.execute(() -> {
        await(start);
        for (int i = 0; i < 500; i++) {
          calls.add(sandbox.complete(spec, ChatRequest.ofUser("q" + i), CallOptions.of(Duration.ofSeconds(5), "c")));
        }
      });
    }
    callers.execute(() -> {
      await(start);
      for (int i = 0; i < 200; i++) {
        sandbox.faults().outage(MODEL);
        sandbox.faults().heal(MODEL);
      }
    });
    start.countDown();
    callers.shutdown();
    assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    // then
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger limited = new AtomicInteger();
    for (CompletableFuture<ChatResponse> call : calls) {
      try {
        call.get(10, TimeUnit.SECONDS);
        answered.incrementAndGet();
      } catch (java.util.concurrent.ExecutionException e) {
        ProviderException failure = (ProviderException) e.getCause();
        assertThat(failure.kind()).isIn(FailureKind.UNAVAILABLE, FailureKind.RATE_LIMITED);
        if (failure.kind() == FailureKind.RATE_LIMITED) {
          limited.incrementAndGet();
        }
      }
    }
    assertThat(calls).hasSize(2_000);
    // the sliding minute admits exactly its limit; calls that met an outage never took a place
    assertThat(limited.get()).isPositive();
    assertThat(answered.get()).isLessThanOrEqualTo(500);
    assertThat(sandbox.faults().active()).isEmpty();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

}
