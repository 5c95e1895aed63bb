package com.example.acme;

import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.testkit.HttpProviderContractTest;
import java.net.URI;
import java.time.Duration;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;

/** The HTTP part of the contract (the status table, Retry-After, cancellation), on the testkit's own server. */
class AcmeHttpContractTest extends HttpProviderContractTest {
  private final HttpClient client = AcmeProviderContractTest.startedClient();

  @AfterEach
  void stopClient() throws Exception {
    client.stop();
  }

  @Override
  protected ChatProvider provider(URI baseUrl) {
    return new AcmeProvider("acme", baseUrl, AcmeProviderContractTest.KEY, client, Duration.ofSeconds(30));
  }

  @Override
  protected ModelSpec model() {
    return AcmeProviderContractTest.MODEL;
  }

  @Override
  protected String errorBody(int status, String message) {
    return "{\"error\":\"" + message + "\"}";
  }
}
