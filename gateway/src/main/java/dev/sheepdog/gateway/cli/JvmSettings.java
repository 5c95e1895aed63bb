package dev.sheepdog.gateway.cli;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The JVM a gateway runs on, as {@code serve} reports it at start: its version, its garbage
 * collector, its largest heap and its processors, and advice when they fit the machine badly.
 *
 * @param gc the collector: {@code G1}, {@code Parallel}, {@code Serial}, {@code ZGC}, {@code
 *     Shenandoah}, {@code Epsilon}, or the JVM's own names when it is none of those
 */
record JvmSettings(String version, String gc, long maxHeapBytes, int processors) {

  static JvmSettings current() {
    List<String> collectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
        .map(GarbageCollectorMXBean::getName).toList();
    return new JvmSettings(Runtime.version().toString(), collector(collectors), Runtime.getRuntime().maxMemory(),
        Runtime.getRuntime().availableProcessors());
  }

  /** The collector the names of its MX beans stand for. */
  static String collector(List<String> beanNames) {
    String names = String.join(",", beanNames);
    if (names.contains("G1")) {
      return "G1";
    }
    if (names.contains("PS Scavenge") || names.contains("PS MarkSweep")) {
      return "Parallel";
    }
    if (names.contains("ZGC")) {
      return "ZGC";
    }
    if (names.contains("Shenandoah")) {
      return "Shenandoah";
    }
    if (names.contains("Epsilon")) {
      return "Epsilon";
    }
    if (names.contains("Copy") || names.contains("MarkSweepCompact")) {
      return "Serial";
    }
    return names.isEmpty() ? "unknown" : names;
  }

  /** {@code Java 17.0.13, Parallel GC, heap up to 6.0 GiB, 2 processors}. */
  String describe() {
    return String.format(Locale.ROOT, "Java %s, %s GC, heap up to %.1f GiB, %d processor%s", version, gc,
        maxHeapBytes / (double) (1L << 30), processors, processors == 1 ? "" : "s");
  }

  /**
   * What to change, if anything: G1's barriers and concurrent threads cost a gateway on two cores
   * about half its throughput against ParallelGC (see docs/benchmarks.md, garbage collection).
   */
  Optional<String> advice() {
    if (gc.equals("G1") && processors <= 2) {
      return Optional.of("G1 on " + processors + " processor" + (processors == 1 ? "" : "s")
          + ": -XX:+UseParallelGC serves about twice the requests here (bin/sheepdog chooses it on 2 cores or "
          + "fewer; see docs/operations.md)");
    }
    return Optional.empty();
  }
}
