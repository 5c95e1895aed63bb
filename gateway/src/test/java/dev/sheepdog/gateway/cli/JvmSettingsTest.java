package dev.sheepdog.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class JvmSettingsTest {
  @Test
  void collectors_are_named_from_their_beans() {
    assertThat(JvmSettings.collector(List.of("G1 Young Generation", "G1 Old Generation"))).isEqualTo("G1");
    assertThat(JvmSettings.collector(List.of("PS Scavenge", "PS MarkSweep"))).isEqualTo("Parallel");
    assertThat(JvmSettings.collector(List.of("Copy", "MarkSweepCompact"))).isEqualTo("Serial");
    assertThat(JvmSettings.collector(List.of("ZGC Cycles", "ZGC Pauses"))).isEqualTo("ZGC");
    assertThat(JvmSettings.collector(List.of("Shenandoah Cycles"))).isEqualTo("Shenandoah");
    assertThat(JvmSettings.collector(List.of("Something New"))).isEqualTo("Something New");
  }

  @Test
  void g1_on_two_cores_gets_advice_and_nothing_else_does() {
    assertThat(new JvmSettings("17", "G1", 1L << 30, 2).advice()).hasValueSatisfying(advice ->
        assertThat(advice).contains("-XX:+UseParallelGC").contains("docs/operations.md"));
    assertThat(new JvmSettings("17", "G1", 1L << 30, 8).advice()).isEmpty();
    assertThat(new JvmSettings("17", "Parallel", 1L << 30, 2).advice()).isEmpty();
  }

  @Test
  void the_description_names_version_gc_heap_and_processors() {
    assertThat(new JvmSettings("17.0.13+11", "Parallel", 3L << 29, 2).describe())
        .isEqualTo("Java 17.0.13+11, Parallel GC, heap up to 1.5 GiB, 2 processors");
  }
}
