package dev.sheepdog.spi.catalog;

import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.QualityTier;
import java.util.List;
import java.util.Objects;

/**
 * The six models of the tutorial Sheepdog's defaults come from, as HolySheep AI serves them: USD
 * per million input and output tokens, context windows, requests and tokens per minute, tiers.
 *
 * <table>
 *   <caption>the tutorial's models</caption>
 *   <tr><th>model</th><th>input / output</th><th>context</th><th>rpm / tpm</th><th>tier</th></tr>
 *   <tr><td>gpt-4.1</td><td>8.00 / 32.00</td><td>1,047,576</td><td>500 / 150,000</td><td>premium</td></tr>
 *   <tr><td>gpt-4.1-mini</td><td>1.00 / 4.00</td><td>1,047,576</td><td>100 / —</td><td>standard</td></tr>
 *   <tr><td>claude-sonnet-4-20250514</td><td>4.50 / 18.00</td><td>200,000</td><td>400 / 120,000</td><td>premium</td></tr>
 *   <tr><td>claude-3-5-sonnet-latest</td><td>3.50 / 15.00</td><td>200,000</td><td>100 / —</td><td>standard</td></tr>
 *   <tr><td>gemini-2.5-flash-preview-05-20</td><td>2.50 / 10.00</td><td>1,048,576</td><td>1,000 / 500,000</td><td>economy</td></tr>
 *   <tr><td>deepseek-chat</td><td>0.42 / 1.68</td><td>64,000</td><td>2,000 / 1,000,000</td><td>economy</td></tr>
 * </table>
 *
 * <p>The tutorial gives no limit for gpt-4.1-mini and claude-3-5-sonnet beyond its default of 100
 * requests a minute. This is the one declaration of these models: HolySheep's preset serves them,
 * the sandbox simulates them, the default route table names them, and tests and benchmarks plan
 * over them. Override single models with {@link ModelCatalog#with}.
 */
public final class TutorialModels {
  public static final ModelId GPT_4_1 = ModelId.of("gpt-4.1");
  public static final ModelId GPT_4_1_MINI = ModelId.of("gpt-4.1-mini");
  public static final ModelId CLAUDE_SONNET_4 = ModelId.of("claude-sonnet-4-20250514");
  public static final ModelId CLAUDE_3_5_SONNET = ModelId.of("claude-3-5-sonnet-latest");
  public static final ModelId GEMINI_2_5_FLASH = ModelId.of("gemini-2.5-flash-preview-05-20");
  public static final ModelId DEEPSEEK_CHAT = ModelId.of("deepseek-chat");

  private TutorialModels() {}

  /** The six models served by {@code provider}, in the tutorial's order (not the order of price). */
  public static ModelCatalog catalog(ProviderId provider) {
    Objects.requireNonNull(provider, "provider");
    return ModelCatalog.of(List.of(
        spec(GPT_4_1, provider).price("8.00", "32.00").contextWindow(1_047_576)
            .limits(500, 150_000).tier(QualityTier.PREMIUM).build(),
        spec(GPT_4_1_MINI, provider).price("1.00", "4.00").contextWindow(1_047_576)
            .limits(100, 0).tier(QualityTier.STANDARD).build(),
        spec(CLAUDE_SONNET_4, provider).price("4.50", "18.00").contextWindow(200_000)
            .limits(400, 120_000).tier(QualityTier.PREMIUM).build(),
        spec(CLAUDE_3_5_SONNET, provider).price("3.50", "15.00").contextWindow(200_000)
            .limits(100, 0).tier(QualityTier.STANDARD).build(),
        spec(GEMINI_2_5_FLASH, provider).price("2.50", "10.00").contextWindow(1_048_576)
            .limits(1_000, 500_000).tier(QualityTier.ECONOMY).build(),
        spec(DEEPSEEK_CHAT, provider).price("0.42", "1.68").contextWindow(64_000)
            .limits(2_000, 1_000_000).tier(QualityTier.ECONOMY).build()));
  }

  private static ModelSpec.Builder spec(ModelId model, ProviderId provider) {
    return ModelSpec.builder(model.value(), provider.value());
  }
}
