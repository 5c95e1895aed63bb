package dev.sheepdog.policy.cost;

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
 * The original tutorial's six models and prices, served by HolySheep.
 *
 * <p>For the default request (1,000 prompt tokens, 2,000 output tokens) they cost: deepseek-chat
 * $0.00378, gpt-4.1-mini $0.009, gemini-2.5-flash $0.0225, claude-3-5-sonnet $0.0335,
 * claude-sonnet-4 $0.0405, gpt-4.1 $0.072.
 */
final class TutorialCatalog {
  static final long PROMPT_TOKENS = 1_000;

  static final ModelSpec GPT_4_1 = model("gpt-4.1", "8.00", "32.00", QualityTier.PREMIUM);
  static final ModelSpec GPT_4_1_MINI = model("gpt-4.1-mini", "1.00", "4.00", QualityTier.STANDARD);
  static final ModelSpec CLAUDE_SONNET_4 = model("claude-sonnet-4-20250514", "4.50", "18.00", QualityTier.PREMIUM);
  static final ModelSpec CLAUDE_3_5_SONNET = model("claude-3-5-sonnet-latest", "3.50", "15.00", QualityTier.STANDARD);
  static final ModelSpec GEMINI_2_5_FLASH = model("gemini-2.5-flash-preview-05-20", "2.50", "10.00", QualityTier.ECONOMY);
  static final ModelSpec DEEPSEEK_CHAT = model("deepseek-chat", "0.42", "1.68", QualityTier.ECONOMY);

  /** In the tutorial's order, which is not the order of price. */
  static final List<ModelSpec> MODELS =
      List.of(GPT_4_1, GPT_4_1_MINI, CLAUDE_SONNET_4, CLAUDE_3_5_SONNET, GEMINI_2_5_FLASH, DEEPSEEK_CHAT);

  private TutorialCatalog() {}

  static ModelSpec model(String id, String inputUsd, String outputUsd, QualityTier tier) {
    return ModelSpec.builder(id, "holysheep").price(inputUsd, outputUsd).tier(tier).build();
  }

  /** Every model, healthy and never called. */
  static List<Candidate> healthy() {
    return withHealth(ModelHealthView.UNKNOWN);
  }

  static List<Candidate> withHealth(ModelHealthView health) {
    List<Candidate> candidates = new ArrayList<>();
    for (ModelSpec spec : MODELS) {
      candidates.add(Candidate.of(spec, health));
    }
    return candidates;
  }

  /** Every model healthy except {@code model}, which gets {@code health}. */
  static List<Candidate> healthyExcept(ModelSpec model, ModelHealthView health) {
    List<Candidate> candidates = new ArrayList<>();
    for (ModelSpec spec : MODELS) {
      candidates.add(Candidate.of(spec, spec.equals(model) ? health : ModelHealthView.UNKNOWN));
    }
    return candidates;
  }

  static PlanRequest request(TaskType task, Priority priority) {
    return request(RouteHints.of(task, priority));
  }

  static PlanRequest request(RouteHints hints) {
    return new PlanRequest(ChatRequest.ofUser("How do circuit breakers work?"), hints, PROMPT_TOKENS);
  }

  static List<ModelId> ids(List<Candidate> plan) {
    List<ModelId> ids = new ArrayList<>();
    for (Candidate candidate : plan) {
      ids.add(candidate.id());
    }
    return ids;
  }

  static ModelId id(ModelSpec spec) {
    return spec.id();
  }
}
