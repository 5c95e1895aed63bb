package dev.sheepdog.gateway.sandbox;

import dev.sheepdog.adapter.holysheep.HolySheep;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ProviderId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Ready-made sandbox profiles, and the catalog that goes with them. */
public final class SandboxProfiles {
  /** The one model of the tutorial's route table without a measurement; its profile is an estimate. */
  public static final ModelId ESTIMATED = ModelId.of("claude-sonnet-4-20250514");

  private static final Map<ModelId, SandboxProfile> TUTORIAL = tutorialProfiles();

  private SandboxProfiles() {}

  /**
   * The tutorial's measurements (1,000 requests, 50 concurrent), by model id, fastest first:
   *
   * <table>
   *   <caption>tutorial profiles</caption>
   *   <tr><th>model</th><th>mean</th><th>p95</th><th>availability</th></tr>
   *   <tr><td>deepseek-chat</td><td>850 ms</td><td>1,200 ms</td><td>99.7 %</td></tr>
   *   <tr><td>gemini-2.5-flash-preview-05-20</td><td>950 ms</td><td>1,500 ms</td><td>99.5 %</td></tr>
   *   <tr><td>gpt-4.1-mini</td><td>1,100 ms</td><td>1,800 ms</td><td>99.8 %</td></tr>
   *   <tr><td>claude-3-5-sonnet-latest</td><td>1,300 ms</td><td>2,200 ms</td><td>99.6 %</td></tr>
   *   <tr><td>claude-sonnet-4-20250514 (estimated)</td><td>1,500 ms</td><td>2,600 ms</td><td>99.6 %</td></tr>
   *   <tr><td>gpt-4.1</td><td>1,800 ms</td><td>3,500 ms</td><td>99.9 %</td></tr>
   * </table>
   *
   * <p>{@code claude-sonnet-4-20250514} was not measured; it is in the tutorial's route table, so
   * it gets an estimate between Claude 3.5 Sonnet and GPT-4.1 (see {@link #ESTIMATED}). Every
   * profile has the default heavy tail (0.5 % of calls 2 to 20 times slower), streams at 80 tokens
   * a second and enforces no request limit of its own: {@link #catalog} carries the tutorial's
   * limits for the router to enforce.
   */
  public static Map<ModelId, SandboxProfile> tutorial() {
    return TUTORIAL;
  }

  /**
   * The six tutorial models, priced and limited as HolySheep serves them (USD per million tokens,
   * requests and tokens per minute, context windows), served by {@code provider}: a router built
   * on this catalog and a {@link SandboxProvider} with that id runs with no key and no network.
   */
  public static ModelCatalog catalog(ProviderId provider) {
    return HolySheep.catalog(provider.value());
  }

  private static Map<ModelId, SandboxProfile> tutorialProfiles() {
    Map<ModelId, SandboxProfile> profiles = new LinkedHashMap<>();
    profiles.put(ModelId.of("deepseek-chat"), SandboxProfile.ofMillis(850, 1_200, 99.7));
    profiles.put(ModelId.of("gemini-2.5-flash-preview-05-20"), SandboxProfile.ofMillis(950, 1_500, 99.5));
    profiles.put(ModelId.of("gpt-4.1-mini"), SandboxProfile.ofMillis(1_100, 1_800, 99.8));
    profiles.put(ModelId.of("claude-3-5-sonnet-latest"), SandboxProfile.ofMillis(1_300, 2_200, 99.6));
    profiles.put(ESTIMATED, SandboxProfile.ofMillis(1_500, 2_600, 99.6));
    profiles.put(ModelId.of("gpt-4.1"), SandboxProfile.ofMillis(1_800, 3_500, 99.9));
    return Collections.unmodifiableMap(profiles);
  }
}
