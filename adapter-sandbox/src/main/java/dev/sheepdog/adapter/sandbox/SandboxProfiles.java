package dev.sheepdog.adapter.sandbox;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ready-made sandbox profiles: how the models of {@link TutorialModels} behave, keyed by its ids. A
 * router on {@code TutorialModels.catalog(sandbox.id())} and a {@link SandboxProvider} with these
 * profiles runs with no key and no network.
 */
public final class SandboxProfiles {
  /** The one model of the tutorial's route table without a measurement; its profile is an estimate. */
  public static final ModelId ESTIMATED = TutorialModels.CLAUDE_SONNET_4;

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
   * a second and enforces no request limit of its own: {@link TutorialModels#catalog} carries the
   * tutorial's limits for the router to enforce.
   */
  public static Map<ModelId, SandboxProfile> tutorial() {
    return TUTORIAL;
  }

  private static Map<ModelId, SandboxProfile> tutorialProfiles() {
    Map<ModelId, SandboxProfile> profiles = new LinkedHashMap<>();
    profiles.put(TutorialModels.DEEPSEEK_CHAT, SandboxProfile.ofMillis(850, 1_200, 99.7));
    profiles.put(TutorialModels.GEMINI_2_5_FLASH, SandboxProfile.ofMillis(950, 1_500, 99.5));
    profiles.put(TutorialModels.GPT_4_1_MINI, SandboxProfile.ofMillis(1_100, 1_800, 99.8));
    profiles.put(TutorialModels.CLAUDE_3_5_SONNET, SandboxProfile.ofMillis(1_300, 2_200, 99.6));
    profiles.put(ESTIMATED, SandboxProfile.ofMillis(1_500, 2_600, 99.6));
    profiles.put(TutorialModels.GPT_4_1, SandboxProfile.ofMillis(1_800, 3_500, 99.9));
    return Collections.unmodifiableMap(profiles);
  }
}
