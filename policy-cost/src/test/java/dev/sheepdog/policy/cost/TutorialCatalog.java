package dev.sheepdog.policy.cost;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.util.ArrayList;
import java.util.List;

/**
 * The original tutorial's six models and prices, served by HolySheep ({@link TutorialModels}),
 * as candidates and plan requests.
 *
 * <p>For the default request (1,000 prompt tokens, 2,000 output tokens) they cost: deepseek-chat
 * $0.00378, gpt-4.1-mini $0.009, gemini-2.5-flash $0.0225, claude-3-5-sonnet $0.0335,
 * claude-sonnet-4 $0.0405, gpt-4.1 $0.072.
 */
final class TutorialCatalog {
  static final long PROMPT_TOKENS = 1_000;

  static final ModelCatalog CATALOG = TutorialModels.catalog(ProviderId.of("holysheep"));

  static final ModelSpec GPT_4_1 = CATALOG.require(TutorialModels.GPT_4_1);
  static final ModelSpec GPT_4_1_MINI = CATALOG.require(TutorialModels.GPT_4_1_MINI);
  static final ModelSpec CLAUDE_SONNET_4 = CATALOG.require(TutorialModels.CLAUDE_SONNET_4);
  static final ModelSpec CLAUDE_3_5_SONNET = CATALOG.require(TutorialModels.CLAUDE_3_5_SONNET);
  static final ModelSpec GEMINI_2_5_FLASH = CATALOG.require(TutorialModels.GEMINI_2_5_FLASH);
  static final ModelSpec DEEPSEEK_CHAT = CATALOG.require(TutorialModels.DEEPSEEK_CHAT);

  /** In the tutorial's order, which is not the order of price. */
  static final List<ModelSpec> MODELS = CATALOG.models();

  private TutorialCatalog() {}

  /** A model outside the tutorial's catalog, served by HolySheep too. */
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
