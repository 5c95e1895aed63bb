package dev.sheepdog.benchmarks;

import dev.sheepdog.core.stats.ModelStats;
import dev.sheepdog.spi.Ticker;
import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A model's statistics under contention: recording threads report answers while one reader asks
 * for the p95 and the peak EWMA, as strategies do on every plan. Groups with 1, 2 and 4 recorders;
 * on a 2-core machine the 4-recorder group is oversubscribed, which is the point of running it.
 * {@code recordAlone} is one thread recording with nobody reading: the cost of the recording
 * itself, without a second thread on the other core.
 */
public class StatsRecordingBenchmark extends BenchmarkDefaults {

  /** One model's statistics, shared by the threads of a group. */
  @State(Scope.Group)
  public static class SharedStats {
    ModelStats stats;

    @Setup
    public void setUp() {
      stats = new ModelStats(Ticker.system());
    }
  }

  /** One model's statistics of one thread's own. */
  @State(Scope.Thread)
  public static class OwnStats {
    ModelStats stats;

    @Setup
    public void setUp() {
      stats = new ModelStats(Ticker.system());
    }
  }

  /** Each thread's own latencies, drawn around the tutorial's 0.85–1.8 s averages. */
  @State(Scope.Thread)
  public static class Latencies {
    final long[] nanos = new long[INPUTS];
    int index;

    @Setup
    public void setUp() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = 0; i < INPUTS; i++) {
        nanos[i] = random.nextLong(500_000_000L, 3_500_000_000L);
      }
    }

    long next() {
      return nanos[index++ & MASK];
    }
  }

  @Benchmark
  public void recordAlone(OwnStats own, Latencies latencies) {
    own.stats.recordSuccess(latencies.next());
  }

  @Benchmark
  @Group("recorders1")
  @GroupThreads(1)
  public void record1(SharedStats shared, Latencies latencies) {
    shared.stats.recordSuccess(latencies.next());
  }

  @Benchmark
  @Group("recorders1")
  @GroupThreads(1)
  public long read1(SharedStats shared) {
    return read(shared.stats);
  }

  @Benchmark
  @Group("recorders2")
  @GroupThreads(2)
  public void record2(SharedStats shared, Latencies latencies) {
    shared.stats.recordSuccess(latencies.next());
  }

  @Benchmark
  @Group("recorders2")
  @GroupThreads(1)
  public long read2(SharedStats shared) {
    return read(shared.stats);
  }

  @Benchmark
  @Group("recorders4")
  @GroupThreads(4)
  public void record4(SharedStats shared, Latencies latencies) {
    shared.stats.recordSuccess(latencies.next());
  }

  @Benchmark
  @Group("recorders4")
  @GroupThreads(1)
  public long read4(SharedStats shared) {
    return read(shared.stats);
  }

  private static long read(ModelStats stats) {
    return stats.p95LatencyNanos() + stats.ewmaLatencyNanos();
  }
}
