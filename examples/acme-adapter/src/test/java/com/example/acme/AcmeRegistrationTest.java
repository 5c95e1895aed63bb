package com.example.acme;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.inject.RouterModule;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import java.net.URI;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The page's registrations: a router built in plain Java, and one built by Guice, each answered by Acme. */
class AcmeRegistrationTest {
  private final MockWebServer server = new MockWebServer();
  private final HttpClient client = AcmeProviderContractTest.startedClient();
  private URI acmeUrl;

  @BeforeEach
  void start() throws Exception {
    server.start();
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body("{\"text\":\"Hello from Acme.\",\"input_tokens\":5,\"output_tokens\":4}").build());
    acmeUrl = server.url("/v1").uri();
  }

  @AfterEach
  void stop() throws Exception {
    client.stop();
    server.close();
  }

  @Test
  void a_router_built_in_plain_java_routes_to_acme() {
    String apiKey = "acme-key-for-the-test";
    // tag::plain-java[]
    AcmeProvider acme = new AcmeProvider("acme", acmeUrl, apiKey, client, Duration.ofSeconds(60));
    ModelSpec large = ModelSpec.builder("acme-large", "acme").upstreamName("large-2").price("0.50", "1.50").build();
    Router router = Router.builder()
        .catalog(ModelCatalog.of(large))
        .provider(acme)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "acme-large").build())
        .build();
    RoutedResponse answer = router.route(ChatRequest.ofUser("Say hello."), RouteHints.DEFAULT).join();
    // end::plain-java[]
    assertThat(answer.content()).isEqualTo("Hello from Acme.");
    assertThat(answer.model().value()).isEqualTo("acme-large");
  }

  @Test
  void a_router_built_by_guice_routes_to_acme() {
    String apiKey = "acme-key-for-the-test";
    // tag::guice[]
    Router router = Guice.createInjector(new RouterModule(),
        new AcmeModule("acme", acmeUrl, apiKey, Duration.ofSeconds(60)),
        new AbstractModule() {
          @Override
          protected void configure() {
            bind(HttpClient.class).toInstance(client); // started; shared by every Acme endpoint
            bind(ModelCatalog.class).toInstance(ModelCatalog.of(
                ModelSpec.builder("acme-large", "acme").upstreamName("large-2").build()));
            OptionalBinder.newOptionalBinder(binder(), RouteTableStrategy.class).setBinding().toInstance(
                RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "acme-large").build());
          }
        }).getInstance(Router.class);
    // end::guice[]
    RoutedResponse answer = router.route(ChatRequest.ofUser("Say hello."), RouteHints.DEFAULT).join();
    assertThat(answer.content()).isEqualTo("Hello from Acme.");
  }
}
