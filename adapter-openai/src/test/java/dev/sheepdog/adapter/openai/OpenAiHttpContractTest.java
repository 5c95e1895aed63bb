package dev.sheepdog.adapter.openai;

import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.testkit.HttpProviderContractTest;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;

/** The HTTP part of the provider contract, on the testkit's own server, for the default transport. */
class OpenAiHttpContractTest extends HttpProviderContractTest {
  private OpenAiProvider provider;

  @Override
  protected ChatProvider provider(URI baseUrl) {
    if (provider == null) {
      provider = OpenAiProvider.builder().id("test").baseUrl(baseUrl.toString()).apiKey(Upstream.KEY).build();
    }
    return provider;
  }

  @Override
  protected ModelSpec model() {
    return Upstream.MODEL;
  }

  @AfterEach
  void closeProvider() {
    if (provider != null) {
      provider.close();
    }
  }
}
