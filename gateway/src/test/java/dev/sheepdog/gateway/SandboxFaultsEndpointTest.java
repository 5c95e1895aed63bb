package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.adapter.sandbox.SandboxFault;
import dev.sheepdog.adapter.sandbox.SandboxProfile;
import dev.sheepdog.adapter.sandbox.SandboxProfiles;
import dev.sheepdog.adapter.sandbox.SandboxProvider;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.catalog.TutorialModels;
import dev.sheepdog.testkit.ManualTicker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /admin/sandbox/faults} end to end: a gateway on the sandbox's tutorial models, faults
 * switched over HTTP, and the router failing over, opening the circuit and coming back.
 */
class SandboxFaultsEndpointTest {
  private static final String CLIENT_KEY = "gw-client-key-1";
  private static final String ADMIN_KEY = "gw-admin-key-1";
  private static final String MINI = "gpt-4.1-mini";
  private static final String SONNET = "claude-3-5-sonnet-latest";

  /** The router's clock, so the circuit's recovery time passes without waiting. */
  private final ManualTicker routerClock = new ManualTicker();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final SandboxProvider sandbox = SandboxProvider.builder()
      .seed(11)
      .timeScale(0.01)
      .profiles(alwaysAvailable())
      .build();
  private final Router router = Router.builder()
      .catalog(TutorialModels.catalog(sandbox.id()))
      .provider(sandbox)
      .strategy(RouteTableStrategy.tutorialDefaults())
      .ticker(routerClock)
      .settings(RouterSettings.defaults().withRetry(RetryConfig.noRetries()))
      .build();
  private final GatewayServer gateway = GatewayServer.start(router,
      GatewaySettings.builder().port(0).clientKey(CLIENT_KEY).adminKey(ADMIN_KEY).build(),
      GatewayMetrics.create(), null, List.of(sandbox));

  @AfterEach
  void close() {
    gateway.close();
  }

  @Test
  void an_outage_posted_over_http_moves_traffic_away_opens_the_circuit_and_heals() {
    // given
    assertThat(chat().headers().firstValue("X-Sheepdog-Model")).contains(MINI);
    // when
    HttpResponse<String> posted = post("{\"model\":\"" + MINI + "\",\"fault\":\"outage\"}");
    // then
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
    assertThat(faultOf(posted, MINI)).isEqualTo("outage");
    assertThat(sandbox.faults().active()).containsOnlyKeys(ModelId.of(MINI));
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> answer = chat();
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(answer.headers().firstValue("X-Sheepdog-Model")).contains(SONNET);
      assertThat(answer.headers().firstValue("X-Sheepdog-Attempts")).contains("2");
    }
    assertThat(circuitOf(MINI)).isEqualTo("open");
    assertThat(chat().headers().firstValue("X-Sheepdog-Model")).contains(SONNET);
    // when healed, and the circuit's recovery time has passed
    HttpResponse<String> healed = post("{\"model\":\"" + MINI + "\",\"fault\":\"none\"}");
    routerClock.advance(Duration.ofSeconds(61));
    // then
    assertThat(faultOf(healed, MINI)).isEqualTo("none");
    assertThat(chat().headers().firstValue("X-Sheepdog-Model")).contains(MINI);
    assertThat(circuitOf(MINI)).isEqualTo("closed");
  }

  @Test
  void lists_every_sandbox_model_with_its_fault() {
    // given
    sandbox.faults().slowdown(ModelId.of("gpt-4.1"), 3);
    post("{\"model\":\"deepseek-chat\",\"fault\":\"rate_limit\",\"retry_after_seconds\":12}");
    // when
    HttpResponse<String> response = send(admin(HttpRequest.newBuilder(gateway.uri().resolve(
        SandboxFaultsEndpoint.PATH)).GET()));
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, Map<?, ?>> byModel = byModel(response);
    assertThat(byModel).containsOnlyKeys(SandboxProfiles.tutorial().keySet().stream().map(ModelId::value).toList());
    assertThat(byModel.get("gpt-4.1").get("fault")).isEqualTo("slowdown");
    assertThat(byModel.get("gpt-4.1").get("provider")).isEqualTo("sandbox");
    assertThat(((Number) byModel.get("gpt-4.1").get("factor")).doubleValue()).isEqualTo(3.0);
    assertThat(byModel.get("deepseek-chat").get("fault")).isEqualTo("rate_limit");
    assertThat(((Number) byModel.get("deepseek-chat").get("retry_after_seconds")).doubleValue()).isEqualTo(12.0);
    assertThat(sandbox.faults().of(ModelId.of("deepseek-chat")))
        .contains(SandboxFault.rateLimit(Duration.ofSeconds(12)));
    assertThat(byModel.get(MINI).get("fault")).isEqualTo("none");
  }

  @Test
  void a_rate_limit_storm_over_http_reaches_the_client_as_a_failover() {
    // given
    post("{\"model\":\"" + MINI + "\",\"fault\":\"rate_limit\",\"retry_after_seconds\":30}");
    // when
    HttpResponse<String> answer = chat();
    // then
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("X-Sheepdog-Model")).contains(SONNET);
  }

  @Test
  void star_with_fault_none_heals_every_model() {
    // given
    sandbox.faults().outage(ModelId.of(MINI)).stall(ModelId.of("gpt-4.1"));
    // when
    HttpResponse<String> response = post("{\"model\":\"*\",\"fault\":\"none\"}");
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(sandbox.faults().active()).isEmpty();
  }

  @Test
  void bad_posts_get_400s_naming_the_field() {
    assertParam(post("{\"fault\":\"outage\"}"), "model");
    assertParam(post("{\"model\":\"no-such-model\",\"fault\":\"outage\"}"), "model");
    assertParam(post("{\"model\":\"" + MINI + "\",\"fault\":\"meltdown\"}"), "fault");
    assertParam(post("{\"model\":\"" + MINI + "\"}"), "fault");
    assertParam(post("{\"model\":\"" + MINI + "\",\"fault\":\"slowdown\"}"), "factor");
    assertParam(post("{\"model\":\"" + MINI + "\",\"fault\":\"slowdown\",\"factor\":0.5}"), "factor");
    assertParam(post("{\"model\":\"" + MINI + "\",\"fault\":\"rate_limit\",\"retry_after_seconds\":-1}"),
        "retry_after_seconds");
    assertParam(post("{\"model\":\"*\",\"fault\":\"outage\"}"), "model");
    assertError(post("not json"), 400, "invalid_request_error", "invalid_json");
    assertThat(sandbox.faults().active()).isEmpty();
  }

  @Test
  void the_endpoint_needs_the_admin_key_and_only_takes_get_and_post() {
    // when
    HttpResponse<String> anonymous = send(HttpRequest.newBuilder(gateway.uri().resolve(SandboxFaultsEndpoint.PATH))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MINI + "\",\"fault\":\"outage\"}")));
    HttpResponse<String> client = send(HttpRequest.newBuilder(gateway.uri().resolve(SandboxFaultsEndpoint.PATH))
        .header("Authorization", "Bearer " + CLIENT_KEY).GET());
    HttpResponse<String> delete = send(admin(HttpRequest.newBuilder(gateway.uri().resolve(SandboxFaultsEndpoint.PATH))
        .DELETE()));
    // then
    assertError(anonymous, 401, "invalid_request_error", "invalid_api_key");
    assertError(client, 401, "invalid_request_error", "invalid_api_key");
    assertError(delete, 405, "invalid_request_error", "method_not_allowed");
    assertThat(delete.headers().firstValue("Allow")).contains("GET, POST");
    assertThat(sandbox.faults().active()).isEmpty();
  }

  @Test
  void a_gateway_without_sandbox_providers_has_no_such_endpoint() {
    // given
    try (GatewayFixture fixture = new GatewayFixture(config -> config.adminKey(ADMIN_KEY))) {
      // when
      HttpResponse<String> response = fixture.send(HttpRequest.newBuilder(fixture.uri(SandboxFaultsEndpoint.PATH))
          .header("Authorization", "Bearer " + ADMIN_KEY).GET());
      // then
      assertError(response, 404, "invalid_request_error", "unknown_url");
    }
  }

  private static Map<ModelId, SandboxProfile> alwaysAvailable() {
    Map<ModelId, SandboxProfile> profiles = new LinkedHashMap<>();
    SandboxProfiles.tutorial().forEach((model, profile) -> profiles.put(model, profile.withAvailability(1)));
    return profiles;
  }

  private HttpResponse<String> chat() {
    return send(HttpRequest.newBuilder(gateway.uri().resolve("/v1/chat/completions"))
        .header("Authorization", "Bearer " + CLIENT_KEY)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(GatewayFixture.chatBody("auto", false))));
  }

  private HttpResponse<String> post(String body) {
    return send(admin(HttpRequest.newBuilder(gateway.uri().resolve(SandboxFaultsEndpoint.PATH))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))));
  }

  private String circuitOf(String model) {
    HttpResponse<String> health = send(admin(HttpRequest.newBuilder(gateway.uri().resolve("/admin/health")).GET()));
    for (Object entry : (List<?>) json(health.body()).get("models")) {
      Map<?, ?> map = (Map<?, ?>) entry;
      if (model.equals(map.get("model"))) {
        return String.valueOf(map.get("circuit"));
      }
    }
    throw new AssertionError("no model " + model + " in " + health.body());
  }

  private static Object faultOf(HttpResponse<String> response, String model) {
    return byModel(response).get(model).get("fault");
  }

  private static Map<String, Map<?, ?>> byModel(HttpResponse<String> response) {
    Map<String, Map<?, ?>> byModel = new LinkedHashMap<>();
    for (Object entry : (List<?>) json(response.body()).get("data")) {
      Map<?, ?> map = (Map<?, ?>) entry;
      byModel.put((String) map.get("model"), map);
    }
    return byModel;
  }

  private static void assertParam(HttpResponse<String> response, String param) {
    assertError(response, 400, "invalid_request_error", "invalid_value");
    assertThat(ErrorResponsesTest.error(response).get("param")).as(response.body()).isEqualTo(param);
  }

  private static HttpRequest.Builder admin(HttpRequest.Builder request) {
    return request.header("Authorization", "Bearer " + ADMIN_KEY).timeout(Duration.ofSeconds(20));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
