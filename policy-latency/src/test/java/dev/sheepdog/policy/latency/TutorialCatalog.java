package dev.sheepdog.policy.latency;

import dev.sheepdog.testkit.FixedHealth;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.util.ArrayList;
import java.util.List;

/**
 * The original tutorial's six models and prices, served by HolySheep ({@link TutorialModels}),
 * with the latencies it measured (1,000 requests, 50 concurrent). claude-sonnet-4 was not
 * measured: it has no sample.
 */
final class TutorialCatalog {
  static final ModelCatalog CATALOG = TutorialModels.catalog(ProviderId.of("holysheep"));

  static final ModelSpec GPT_4_1 = CATALOG.require(TutorialModels.GPT_4_1);
  static final ModelSpec GPT_4_1_MINI = CATALOG.require(TutorialModels.GPT_4_1_MINI);
  static final ModelSpec CLAUDE_SONNET_4 = CATALOG.require(TutorialModels.CLAUDE_SONNET_4);
  static final ModelSpec CLAUDE_3_5_SONNET = CATALOG.require(TutorialModels.CLAUDE_3_5_SONNET);
  static final ModelSpec GEMINI_2_5_FLASH = CATALOG.require(TutorialModels.GEMINI_2_5_FLASH);
  static final ModelSpec DEEPSEEK_CHAT = CATALOG.require(TutorialModels.DEEPSEEK_CHAT);

  static final List<ModelSpec> MODELS = CATALOG.models();

  private TutorialCatalog() {}

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
