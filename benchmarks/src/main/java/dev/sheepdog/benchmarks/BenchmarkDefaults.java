package dev.sheepdog.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fork, iteration and unit settings of every benchmark, set here once; JMH's annotations are
 * inherited. The command line overrides them ({@code -f}, {@code -wi}, {@code -i}, {@code -r}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class BenchmarkDefaults {
  /** How many precomputed inputs each benchmark cycles through; a power of two. */
  protected static final int INPUTS = 64;

  protected static final int MASK = INPUTS - 1;
}
