package dev.sheepdog.benchmarks;

import dev.sheepdog.adapter.holysheep.HolySheep;
import dev.sheepdog.adapter.sandbox.SandboxProfile;
import dev.sheepdog.adapter.sandbox.SandboxProfiles;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.testkit.FixedHealth;
import java.util.ArrayList;
import java.util.List;

/**
 * The tutorial's six HolySheep models with the latencies its comparison table reports (the
 * sandbox's profiles of them), as the fixed health snapshots strategies plan over. claude-sonnet-4
 * has no figure there (its sandbox profile is an estimate) and stays unmeasured, which also
 * exercises each strategy's "no data yet" branch.
 */
final class TutorialCandidates {
  private TutorialCandidates() {}

  /** Every catalog model with its snapshot, in catalog order, as the router hands them over. */
  static List<Candidate> measured() {
    List<Candidate> candidates = new ArrayList<>();
    for (ModelSpec spec : HolySheep.catalog().models()) {
      candidates.add(Candidate.of(spec, health(spec)));
    }
    return List.copyOf(candidates);
  }

  private static ModelHealthView health(ModelSpec spec) {
    SandboxProfile profile = SandboxProfiles.tutorial().get(spec.id());
    if (profile == null || spec.id().equals(SandboxProfiles.ESTIMATED)) {
      return FixedHealth.HEALTHY;
    }
    return FixedHealth.measured(profile.meanLatency().toMillis(), profile.p95Latency().toMillis());
  }
}
