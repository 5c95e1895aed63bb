package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** {@code GET /dashboard} over HTTP: a self-contained page, locked down, and off without an admin key. */
class DashboardTest {
  private static final String ADMIN_KEY = "gw-admin-key-page";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void the_page_is_served_without_the_key_and_holds_no_key() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey("gw-client-key-page").adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> page = fixture.get(Dashboard.PATH);
    // then
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(page.body()).startsWith("<!DOCTYPE html>").contains("<title>Sheepdog dashboard</title>")
        .doesNotContain(ADMIN_KEY, GatewayFixture.UPSTREAM_KEY_A);
  }

  @Test
  void the_policy_admits_only_the_page_s_own_script_and_style_and_the_gateway_itself() throws Exception {
    // given
    fixture = new GatewayFixture(config -> config.adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> page = fixture.get(Dashboard.PATH);
    // then
    String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(policy).startsWith("default-src 'none';")
        .contains("script-src " + sha256(inline(page.body(), "script")) + ";")
        .contains("style-src " + sha256(inline(page.body(), "style")) + ";")
        .contains("connect-src 'self'", "frame-ancestors 'none'")
        .doesNotContain("unsafe");
  }

  @Test
  void the_page_loads_nothing_from_elsewhere_and_never_writes_markup_from_strings() {
    // given
    fixture = new GatewayFixture(config -> config.adminKey(ADMIN_KEY));
    // when
    String body = fixture.get(Dashboard.PATH).body();
    // then: every src or href is inline data, and the only absolute URL is the SVG namespace
    assertThat(attributes(body, "(?:src|href)")).isNotEmpty().allSatisfy(value -> assertThat(value).startsWith("data:"));
    assertThat(body.replace("\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://", "https://", "//cdn",
        "@import", "url(");
    assertThat(body).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
        "localStorage");
    assertThat(body).contains("get(\"admin/health\"", "get(\"admin/deferred\"", "sessionStorage",
        "\"Bearer \" + adminKey");
  }

  @Test
  void without_an_admin_key_the_dashboard_does_not_exist() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> page = fixture.get(Dashboard.PATH);
    // then
    assertError(page, 404, "invalid_request_error", "unknown_url");
    assertThat(page.body()).contains("the dashboard is disabled");
  }

  @Test
  void only_get_is_allowed() {
    // given
    fixture = new GatewayFixture(config -> config.adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> response = fixture.send(HttpRequest.newBuilder(fixture.uri(Dashboard.PATH))
        .POST(HttpRequest.BodyPublishers.ofString("")));
    // then
    assertError(response, 405, "invalid_request_error", "method_not_allowed");
    assertThat(response.headers().firstValue("Allow")).hasValue("GET");
  }

  private static String inline(String html, String tag) {
    int start = html.indexOf("<" + tag + ">") + tag.length() + 2;
    return html.substring(start, html.indexOf("</" + tag + ">", start));
  }

  private static String sha256(String text) throws Exception {
    return "'sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
        .digest(text.getBytes(StandardCharsets.UTF_8))) + "'";
  }

  private static List<String> attributes(String html, String names) {
    Matcher m = Pattern.compile("\\s" + names + "=\"([^\"]*)\"").matcher(html);
    List<String> values = new ArrayList<>();
    while (m.find()) {
      values.add(m.group(1));
    }
    return values;
  }
}
