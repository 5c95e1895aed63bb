package dev.sheepdog.benchmarks;

import dev.sheepdog.adapter.holysheep.HolySheep;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.testkit.FixedHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tutorial's six HolySheep models with the latencies its comparison table reports, as the
 * fixed health snapshots strategies plan over. claude-sonnet-4 has no figure there and stays
 * unmeasured, which also exercises each strategy's "no data yet" branch.
 */
final class TutorialModels {
  /** Average and p95 in milliseconds, from the tutorial. */
  private static final Map<String, long[]> LATENCY_MILLIS = Map.of(
      "deepseek-chat", new long[] {850, 1_200},
      "gemini-2.5-flash-preview-05-20", new long[] {950, 1_500},
      "gpt-4.1-mini", new long[] {1_100, 1_800},
      "claude-3-5-sonnet-latest", new long[] {1_300, 2_200},
      "gpt-4.1", new long[] {1_800, 3_500});

  private TutorialModels() {}

  static ModelCatalog catalog() {
    return HolySheep.catalog();
  }

  /** Every catalog model with its snapshot, in catalog order, as the router hands them over. */
  static List<Candidate> candidates() {
    List<Candidate> candidates = new ArrayList<>();
    for (ModelSpec spec : catalog().models()) {
      candidates.add(Candidate.of(spec, health(spec)));
    }
    return List.copyOf(candidates);
  }

  private static ModelHealthView health(ModelSpec spec) {
    long[] millis = LATENCY_MILLIS.get(spec.id().value());
    return millis == null ? FixedHealth.HEALTHY : FixedHealth.measured(millis[0], millis[1]);
  }
}
