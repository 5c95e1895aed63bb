package dev.sheepdog.adapter.holysheep;

import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HolySheep AI: one OpenAI-compatible endpoint and one key for GPT, Claude, Gemini and DeepSeek
 * models.
 *
 * <pre>{@code
 * ChatProvider holySheep = HolySheep.provider();        // key from HOLYSHEEP_API_KEY
 * ModelCatalog models = HolySheep.catalog();            // the six models, priced
 * }</pre>
 *
 * <p>{@link #builder()} returns the preset as an {@link OpenAiProvider.Builder} for anything else
 * (timeouts, pool sizes, a shared client).
 */
public final class HolySheep {
  public static final String PROVIDER_ID = "holysheep";
  public static final String BASE_URL = "https://api.holysheep.ai/v1";
  public static final String API_KEY_ENV = "HOLYSHEEP_API_KEY";

  static final String KEY_PREFIX = "sk-holysheep-";

  private static final Logger log = LoggerFactory.getLogger(HolySheep.class);

  private HolySheep() {}

  /** A provider whose key comes from {@value #API_KEY_ENV}; fails if it is unset or blank. */
  public static OpenAiProvider provider() {
    return builder().build();
  }

  /** A provider with the given key. */
  public static OpenAiProvider provider(String apiKey) {
    return builder(apiKey).build();
  }

  /** The preset with the key from {@value #API_KEY_ENV}, open for further settings. */
  public static OpenAiProvider.Builder builder() {
    return builder(System::getenv);
  }

  static OpenAiProvider.Builder builder(UnaryOperator<String> environment) {
    String key = environment.apply(API_KEY_ENV);
    if (key == null || key.isBlank()) {
      throw new IllegalStateException(
          "HolySheep API key is missing: set the " + API_KEY_ENV + " environment variable or pass the key explicitly");
    }
    return preset(key);
  }

  /** The preset with the given key, open for further settings. */
  public static OpenAiProvider.Builder builder(String apiKey) {
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException(
          "HolySheep API key is missing or blank: pass a key or set the " + API_KEY_ENV + " environment variable");
    }
    return preset(apiKey);
  }

  /** The preset pointed at another base URL: a test double or a relay in front of HolySheep. */
  static OpenAiProvider.Builder builder(String apiKey, String baseUrl) {
    return builder(apiKey, baseUrl, true);
  }

  private static OpenAiProvider.Builder preset(String apiKey) {
    return builder(apiKey, BASE_URL, false);
  }

  private static OpenAiProvider.Builder builder(String apiKey, String baseUrl, boolean validated) {
    if (validated && (apiKey == null || apiKey.isBlank())) {
      throw new IllegalArgumentException("HolySheep API key is missing or blank");
    }
    String key = apiKey.strip();
    if (!key.startsWith(KEY_PREFIX)) {
      // a typo or the wrong vendor's key fails on the first call with a 401; say so at start
      log.warn("The HolySheep API key does not look like {}…; calls will likely be refused (401)", KEY_PREFIX);
    }
    return OpenAiProvider.builder().id(PROVIDER_ID).baseUrl(baseUrl).apiKey(key);
  }

  /**
   * The six models HolySheep serves, priced in USD per million tokens, under provider {@value
   * #PROVIDER_ID}: {@link TutorialModels}.
   */
  public static ModelCatalog catalog() {
    return catalog(PROVIDER_ID);
  }

  /**
   * The same models under another provider id, for a second HolySheep endpoint (a proxy, another
   * account). Override single models with {@link ModelCatalog#with}.
   */
  public static ModelCatalog catalog(String providerId) {
    return TutorialModels.catalog(ProviderId.of(providerId));
  }
}
