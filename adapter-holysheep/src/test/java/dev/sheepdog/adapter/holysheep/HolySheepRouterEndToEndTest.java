package dev.sheepdog.adapter.holysheep;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.core.Attempt;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouteHints;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HolySheep preset and catalog behind a router with its default route table, the preset
 * pointed at a MockWebServer: a 503 from the first model of {@code general:normal} fails over to
 * the next model on the same endpoint.
 */
class HolySheepRouterEndToEndTest {
  private static final String KEY = "sk-holysheep-test-SECRET123";
  private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]+)\"");

  private final MockWebServer server = new MockWebServer();
  private OpenAiProvider provider;

  @AfterEach
  void close() {
    if (provider != null) {
      provider.close();
    }
    server.close();
  }

  @Test
  void a_503_for_the_first_model_is_answered_by_the_next_one() throws Exception {
    // given
    server.start();
    server.enqueue(json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"));
    server.enqueue(json(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
        + "\"model\":\"claude-3-5-sonnet-latest\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"Hi from Claude\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":4,\"total_tokens\":14}}"));
    provider = HolySheep.builder(KEY, server.url("/v1").toString()).build();
    Router router = Router.builder().catalog(HolySheep.catalog()).provider(provider).build();
    // when
    RoutedResponse answer = router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).get(10, SECONDS);
    // then: the tutorial's general:normal row is gpt-4.1-mini, claude-3-5-sonnet-latest, gpt-4.1
    assertThat(answer.content()).isEqualTo("Hi from Claude");
    assertThat(answer.model()).isEqualTo(ModelId.of("claude-3-5-sonnet-latest"));
    assertThat(answer.attempts()).extracting(Attempt::model, Attempt::failure, Attempt::httpStatus).containsExactly(
        tuple(ModelId.of("gpt-4.1-mini"), FailureKind.UNAVAILABLE, 503),
        tuple(ModelId.of("claude-3-5-sonnet-latest"), null, 200));
    assertThat(answer.cost().isGreaterThan(Money.ZERO)).isTrue();
    List<String> models = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      RecordedRequest sent = server.takeRequest(5, TimeUnit.SECONDS);
      assertThat(sent).as("request reached the upstream").isNotNull();
      assertThat(sent.getMethod()).isEqualTo("POST");
      assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
      assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);
      models.add(modelOf(sent.getBody().utf8()));
    }
    assertThat(models).containsExactly("gpt-4.1-mini", "claude-3-5-sonnet-latest");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
  }

  private static String modelOf(String body) {
    Matcher matcher = MODEL.matcher(body);
    assertThat(matcher.find()).as("a model in " + body).isTrue();
    return matcher.group(1);
  }
}
