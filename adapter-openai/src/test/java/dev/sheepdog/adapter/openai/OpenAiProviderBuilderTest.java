package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OpenAiProviderBuilderTest {
  @Test
  void defaults_suit_a_gateway() {
    // when
    OpenAiConfig config = OpenAiProvider.builder().baseUrl("https://api.openai.com/v1").apiKey("sk-x").buildConfig();
    // then
    assertThat(config.id().value()).isEqualTo("openai");
    assertThat(config.baseUrl().toString()).isEqualTo("https://api.openai.com/v1/");
    assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.readTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.maxRequests()).isEqualTo(10_000);
    assertThat(config.maxRequestsPerHost()).isEqualTo(10_000);
    assertThat(config.maxConnectionsPerHost()).isEqualTo(10_000);
    assertThat(config.keepAlive()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.httpVersion()).isEqualTo(HttpVersionPolicy.AUTO);
    assertThat(config.maxRetryAfter()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.defaultRetryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.toString()).doesNotContain("sk-x");
  }

  @Test
  void the_dispatcher_allows_many_calls_to_one_host() {
    // when
    try (OpenAiProvider provider = OpenAiProvider.builder().baseUrl("https://api.holysheep.ai/v1").maxRequestsPerHost(100).build()) {
      // then
      assertThat(provider.config().maxRequestsPerHost()).isEqualTo(100);
    }
  }

  @Test
  void the_connection_pool_follows_the_per_host_limit_unless_set() {
    // when
    OpenAiConfig following = OpenAiProvider.builder().baseUrl("http://127.0.0.1:1/v1").maxRequestsPerHost(300).buildConfig();
    OpenAiConfig set = OpenAiProvider.builder().baseUrl("http://127.0.0.1:1/v1").maxRequestsPerHost(300)
        .maxConnectionsPerHost(20).buildConfig();
    // then
    assertThat(following.maxConnectionsPerHost()).isEqualTo(300);
    assertThat(set.maxConnectionsPerHost()).isEqualTo(20);
  }

  @Test
  void takes_one_client_to_share_not_two() {
    // given
    try (SharedHttpClient jetty = SharedHttpClient.create()) {
      OpenAiProvider.Builder both = OpenAiProvider.builder().baseUrl("http://127.0.0.1:1/v1")
          .httpClient(jetty.get()).client(new okhttp3.OkHttpClient());
      // when / then
      assertThatThrownBy(both::buildConfig).hasMessageContaining("not both");
    }
  }

  @Test
  void a_jetty_client_to_share_must_be_started() {
    assertThatThrownBy(() -> OpenAiProvider.builder().httpClient(new org.eclipse.jetty.client.HttpClient()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("started");
  }

  @Test
  void reads_the_http_version_as_configuration_writes_it() {
    assertThat(HttpVersionPolicy.parse("auto")).isEqualTo(HttpVersionPolicy.AUTO);
    assertThat(HttpVersionPolicy.parse("1.1")).isEqualTo(HttpVersionPolicy.HTTP_1_1);
    assertThat(HttpVersionPolicy.parse(" 2 ")).isEqualTo(HttpVersionPolicy.HTTP_2);
    assertThatThrownBy(() -> HttpVersionPolicy.parse("3")).hasMessageContaining("auto, 1.1 or 2");
  }

  @Test
  void rejects_a_setting_given_twice_naming_it() {
    assertThatThrownBy(() -> OpenAiProvider.builder().readTimeout(Duration.ofSeconds(1)).readTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("readTimeout");
    assertThatThrownBy(() -> OpenAiProvider.builder().apiKey("a").apiKey("b"))
        .hasMessageContaining("apiKey").hasMessageNotContaining("a\"").hasMessageNotContaining("b\"");
    assertThatThrownBy(() -> OpenAiProvider.builder().header("X-A", "1").header("x-a", "2")).hasMessageContaining("header x-a");
    assertThatThrownBy(() -> OpenAiProvider.builder().maxRequests(10).maxRequests(20)).hasMessageContaining("maxRequests");
    assertThatThrownBy(() -> OpenAiProvider.builder().maxConnectionsPerHost(1).maxConnectionsPerHost(2))
        .hasMessageContaining("maxConnectionsPerHost");
    assertThatThrownBy(() -> OpenAiProvider.builder().httpVersion(HttpVersionPolicy.AUTO).httpVersion(HttpVersionPolicy.HTTP_2))
        .hasMessageContaining("httpVersion");
  }

  @Test
  void requires_an_http_base_url_and_a_non_blank_id() {
    assertThatThrownBy(() -> OpenAiProvider.builder().build()).hasMessageContaining("baseUrl is required");
    assertThatThrownBy(() -> OpenAiProvider.builder().baseUrl("ftp://example.com")).hasMessageContaining("http");
    assertThatThrownBy(() -> OpenAiProvider.builder().baseUrl("not a url")).hasMessageContaining("http");
    assertThatThrownBy(() -> OpenAiProvider.builder().id(" ")).hasMessageContaining("provider id");
    assertThatThrownBy(() -> OpenAiProvider.builder().apiKey(" ")).hasMessageContaining("apiKey");
    assertThatThrownBy(() -> OpenAiProvider.builder().readTimeout(Duration.ZERO)).hasMessageContaining("readTimeout");
  }
}
