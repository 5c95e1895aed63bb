package dev.sheepdog.policy.latency;

import dev.sheepdog.testkit.FixedHealth;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import java.util.ArrayList;
import java.util.List;

/**
 * The original tutorial's six models and prices, served by HolySheep, with the latencies it
 * measured (1,000 requests, 50 concurrent). claude-sonnet-4 was not measured: it has no sample.
 */
final class TutorialCatalog {
  static final ModelSpec GPT_4_1 = model("gpt-4.1", "8.00", "32.00", QualityTier.PREMIUM);
  static final ModelSpec GPT_4_1_MINI = model("gpt-4.1-mini", "1.00", "4.00", QualityTier.STANDARD);
  static final ModelSpec CLAUDE_SONNET_4 = model("claude-sonnet-4-20250514", "4.50", "18.00", QualityTier.PREMIUM);
  static final ModelSpec CLAUDE_3_5_SONNET = model("claude-3-5-sonnet-latest", "3.50", "15.00", QualityTier.STANDARD);
  static final ModelSpec GEMINI_2_5_FLASH = model("gemini-2.5-flash-preview-05-20", "2.50", "10.00", QualityTier.ECONOMY);
  static final ModelSpec DEEPSEEK_CHAT = model("deepseek-chat", "0.42", "1.68", QualityTier.ECONOMY);

  static final List<ModelSpec> MODELS =
      List.of(GPT_4_1, GPT_4_1_MINI, CLAUDE_SONNET_4, CLAUDE_3_5_SONNET, GEMINI_2_5_FLASH, DEEPSEEK_CHAT);

  private TutorialCatalog() {}

  static ModelSpec model(String id, String inputUsd, String outputUsd, QualityTier tier) {
    return ModelSpec.builder(id, "holysheep").price(inputUsd, outputUsd).tier(tier).build();
  }

  /** The tutorial's measured average and p95 latency of {@code model}; unknown for claude-sonnet-4. */
  static FixedHealth measured(ModelSpec model) {
    return switch (model.id().value()) {
      case "deepseek-chat" -> FixedHealth.measured(850, 1_200);
      case "gemini-2.5-flash-preview-05-20" -> FixedHealth.measured(950, 1_500);
      case "gpt-4.1-mini" -> FixedHealth.measured(1_100, 1_800);
      case "claude-3-5-sonnet-latest" -> FixedHealth.measured(1_300, 2_200);
      case "gpt-4.1" -> FixedHealth.measured(1_800, 3_500);
      default -> FixedHealth.HEALTHY;
    };
  }

  /** Every model with the tutorial's measured latencies. */
  static List<Candidate> asMeasured() {
    List<Candidate> candidates = new ArrayList<>();
    for (ModelSpec spec : MODELS) {
      candidates.add(Candidate.of(spec, measured(spec)));
    }
    return candidates;
  }

  static Candidate candidate(ModelSpec spec, ModelHealthView health) {
    return Candidate.of(spec, health);
  }

  static PlanRequest request(Priority priority) {
    return new PlanRequest(ChatRequest.ofUser("How do circuit breakers work?"),
        RouteHints.of(TaskType.GENERAL, priority), 1_000);
  }

  static List<ModelId> ids(List<Candidate> plan) {
    List<ModelId> ids = new ArrayList<>();
    for (Candidate candidate : plan) {
      ids.add(candidate.id());
    }
    return ids;
  }
}
