package dev.sheepdog.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.sheepdog.core.alert.AlertMonitor;
import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.testkit.ManualTicker;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The hot path promises not to allocate: recording an outcome and evaluating alerts on it. */
class RecordingAllocationTest {
  private static final long MS = 1_000_000L;

  @Test
  void recordingAndEvaluatingAllocateNothing() {
    // given
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);
    ManualTicker ticker = new ManualTicker();
    ModelStats stats = new ModelStats(ticker);
    AlertMonitor alerts = new AlertMonitor(AlertRules.defaults(), ticker, RouterListener.NONE);
    ModelId model = ModelId.of("deepseek-chat");
    // warm up: rotate the bucket, cache percentiles, create the alert flags, get the JIT going
    for (int i = 0; i < 20_000; i++) {
      oneCall(stats, alerts, model, i);
    }
    ticker.advance(Duration.ofSeconds(1));
    stats.p95LatencyNanos();

    // when
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 100_000; i++) {
      oneCall(stats, alerts, model, i);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    // then less than a byte per call: one object per call would be 1.6 MB at least
    assertThat(allocated).isLessThan(100_000);
  }

  private static void oneCall(ModelStats stats, AlertMonitor alerts, ModelId model, int i) {
    stats.callStarted();
    if (i % 50 == 0) {
      stats.recordFailure(FailureKind.UNAVAILABLE, MS);
    } else {
      stats.recordSuccess((100 + i % 400) * MS);
    }
    alerts.evaluate(model, stats);
  }
}
