package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.adapter.sandbox.SandboxFault;
import dev.sheepdog.adapter.sandbox.SandboxProfile;
import dev.sheepdog.adapter.sandbox.SandboxProvider;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sample of docs/sandbox.md. */
class SandboxDocSampleTest {
  @Test
  void runs_a_router_and_a_gateway_on_the_sandbox() throws Exception {
    // --- sample: sandbox ---
    SandboxProvider sandbox = SandboxProvider.builder()
        .seed(42)                                  // same seed and call order, same latencies and failures
        .timeScale(0.05)                           // an 850 ms model answers in about 42 ms
        .profile("gpt-4.1", SandboxProfile.ofMillis(1_800, 3_500, 99.9)
            .withRequestsPerMinute(500))           // override one model: add the upstream's own limit
        .build();
    Router router = Router.builder()
        .catalog(TutorialModels.catalog(sandbox.id())) // the tutorial's six models, prices and limits
        .provider(sandbox)
        .strategy(RouteTableStrategy.tutorialDefaults())
        .build();

    sandbox.faults().outage(ModelId.of("gpt-4.1-mini"));                  // every call: 503 at once
    sandbox.faults().slowdown(ModelId.of("gpt-4.1"), 3);                  // three times slower
    sandbox.faults().rateLimitStorm(ModelId.of("deepseek-chat"), Duration.ofSeconds(30)); // 429, Retry-After: 30
    Map<ModelId, SandboxFault> active = sandbox.faults().active();        // for display
    RoutedResponse answer = router.route(ChatRequest.ofUser("Hello"),
        RouteHints.of(TaskType.GENERAL, Priority.NORMAL)).get(10, TimeUnit.SECONDS);
    // answer.model() is claude-3-5-sonnet-latest: gpt-4.1-mini is down
    sandbox.faults().healAll();

    GatewaySettings settings = GatewaySettings.builder().port(0).adminKey("sk-gateway-admin").build();
    try (GatewayServer gateway = GatewayServer.start(router, settings, GatewayMetrics.create(), null,
        List.of(sandbox))) {                       // adds /admin/sandbox/faults
      // POST /admin/sandbox/faults {"model":"gpt-4.1","fault":"outage"}
    // --- end sample ---
      assertThat(active).hasSize(3);
      assertThat(answer.model()).isEqualTo(ModelId.of("claude-3-5-sonnet-latest"));
      HttpResponse<String> posted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              gateway.uri().resolve("/admin/sandbox/faults"))
          .header("Authorization", "Bearer sk-gateway-admin")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4.1\",\"fault\":\"outage\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(posted.statusCode()).isEqualTo(200);
      assertThat(sandbox.faults().of(ModelId.of("gpt-4.1"))).contains(SandboxFault.outage());
    }
  }
}
