package dev.sheepdog.adapter.holysheep;

import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.testkit.HttpProviderContractTest;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;

/** The HTTP part of the provider contract for the HolySheep preset, on the testkit's own server. */
class HolySheepHttpContractTest extends HttpProviderContractTest {
  private OpenAiProvider provider;

  @Override
  protected ChatProvider provider(URI baseUrl) {
    if (provider == null) {
      provider = HolySheep.builder("sk-holysheep-test-SECRET123", baseUrl.toString()).build();
    }
    return provider;
  }

  @Override
  protected ModelSpec model() {
    return HolySheep.catalog().require(ModelId.of("deepseek-chat"));
  }

  @AfterEach
  void closeProvider() {
    if (provider != null) {
      provider.close();
    }
  }
}
