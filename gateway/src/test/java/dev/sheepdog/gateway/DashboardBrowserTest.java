package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.adapter.sandbox.SandboxProfile;
import dev.sheepdog.adapter.sandbox.SandboxProvider;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium: the operator types the admin key, sees every model
 * with its circuit, and sees a model's circuit turn red when its upstream goes down.
 */
class DashboardBrowserTest {
  private static final String ADMIN_KEY = "gw-admin-key-dashboard";
  private static final String CLIENT_KEY = "gw-client-key-dashboard";
  private static final String RED = "rgba(198, 40, 40, 1)";
  private static final String GREEN = "rgba(26, 127, 55, 1)";

  private static ChromeDriver browser;

  private Gateway gateway;

  @BeforeEach
  void startBrowser() {
    // one browser for the class, started by the first test; each test is skipped where there is none
    if (browser == null) {
      browser = HeadlessChromium.start();
    }
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.quit();
      browser = null;
    }
  }

  @AfterEach
  void stopGateway() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void an_outage_turns_the_model_red_on_the_dashboard() throws IOException {
    // given: a gateway on the six sandbox models, with traffic on the tutorial's routes
    gateway = new Gateway(TutorialModels.catalog(ProviderId.of(SandboxProvider.DEFAULT_ID)),
        RouteTableStrategy.tutorialDefaults(), SandboxProvider.builder().seed(7).timeScale(0.03).build());
    gateway.drive(8, "simple_qa", "fast");
    gateway.drive(8, "general", "normal");
    gateway.drive(6, "code_generation", "high");
    gateway.drive(6, "complex_reasoning", "fast");
    browser.get(gateway.server.uri().resolve(Dashboard.PATH).toString());

    // when: a wrong key, then the right one
    typeKey("not-the-admin-key");
    // then
    WebElement message = wait(ExpectedConditions.visibilityOfElementLocated(By.id("login-message")));
    assertThat(message.getText()).contains("admin key was not accepted");
    assertThat(storedKey()).isNull();
    typeKey(ADMIN_KEY);
    wait(driver -> rows().size() == 6);
    // the key is typed once: it stays in the tab's session storage, across a reload
    assertThat(storedKey()).isEqualTo(ADMIN_KEY);
    browser.navigate().refresh();
    wait(driver -> rows().size() == 6);
    assertThat(browser.findElement(By.id("login")).isDisplayed()).isFalse();
    for (ModelSpec spec : gateway.router.catalog().models()) {
      WebElement row = row(spec.id().value());
      assertThat(row.getAttribute("data-state")).isEqualTo("closed");
      assertThat(badge(row).getText()).isEqualToIgnoringCase("closed");
      assertThat(badge(row).getCssValue("color")).isEqualTo(GREEN);
    }
    wait(driver -> !row("deepseek-chat").findElement(By.className("calls")).getText().equals("0"));

    // when: deepseek-chat goes down, through the sandbox control, and traffic keeps coming
    gateway.fault("deepseek-chat", "outage");
    for (int i = 0; i < 10 && gateway.state("deepseek-chat") != CircuitState.OPEN; i++) {
      gateway.drive(1, "simple_qa", "fast");
    }
    assertThat(gateway.state("deepseek-chat")).isEqualTo(CircuitState.OPEN);
    gateway.drive(10, "simple_qa", "fast");
    HttpResponse<String> deferred = gateway.send(gateway.chat("deepseek-chat", null, null)
        .header("X-Sheepdog-Allow-Defer", "true"));

    // then: its circuit shows open, in red, the others stay closed, and the alert and the deferred request are listed
    assertThat(deferred.statusCode()).isEqualTo(503);
    String deferredId = deferred.headers().firstValue("X-Sheepdog-Deferred-Id").orElseThrow();
    wait(driver -> "open".equals(row("deepseek-chat").getAttribute("data-state")));
    WebElement down = row("deepseek-chat");
    assertThat(badge(down).getText()).isEqualToIgnoringCase("open");
    assertThat(badge(down).getCssValue("color")).isEqualTo(RED);
    assertThat(row("gemini-2.5-flash-preview-05-20").getAttribute("data-state")).isEqualTo("closed");
    assertThat(badge(row("gpt-4.1-mini")).getCssValue("color")).isEqualTo(GREEN);
    // the alert and deferred lists are redrawn on every poll, so they are read inside the waits
    wait(driver -> browser.findElements(By.cssSelector("#alerts li[data-type='circuit_open']")).stream()
        .anyMatch(alert -> alert.getText().contains("deepseek-chat")));
    wait(driver -> !browser.findElements(By.cssSelector("#deferred tr[data-deferred='" + deferredId + "']"))
        .isEmpty());
    wait(driver -> !row("gemini-2.5-flash-preview-05-20").findElement(By.className("traffic")).getText()
        .startsWith("0.0"));
    assertThat(browser.findElement(By.id("total-not-closed")).getText()).isEqualTo("1");
    assertThat(browser.getPageSource()).doesNotContain(ADMIN_KEY, CLIENT_KEY);
    Path screenshot = Path.of("target", "dashboard.png");
    Files.createDirectories(screenshot.getParent());
    Files.write(screenshot, browser.getScreenshotAs(OutputType.BYTES));
  }

  @Test
  void markup_from_the_gateway_is_shown_as_text() {
    // given: a model whose name is markup
    String markup = "<img src=x id=injected onerror=\"document.title='injected'\">";
    gateway = new Gateway(ModelCatalog.of(
        ModelSpec.builder(markup, SandboxProvider.DEFAULT_ID).price("1.00", "1.00").build(),
        TutorialModels.catalog(ProviderId.of(SandboxProvider.DEFAULT_ID)).require(TutorialModels.DEEPSEEK_CHAT)),
        RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "deepseek-chat").build(),
        SandboxProvider.builder().profile(markup, SandboxProfile.ofMillis(10, 20, 100)).build());
    browser.get(gateway.server.uri().resolve(Dashboard.PATH).toString());
    // when
    typeKey(ADMIN_KEY);
    wait(driver -> rows().size() == 2);
    // then
    assertThat(rows().get(0).findElement(By.className("model")).getText()).isEqualTo(markup);
    assertThat(browser.findElements(By.id("injected"))).isEmpty();
    assertThat(browser.getTitle()).isEqualTo("Sheepdog dashboard");
  }

  private static void typeKey(String key) {
    WebElement input = wait(ExpectedConditions.visibilityOfElementLocated(By.id("admin-key")));
    input.clear();
    input.sendKeys(key);
    browser.findElement(By.id("connect")).click();
  }

  private static Object storedKey() {
    return browser.executeScript("return sessionStorage.getItem('sheepdog.adminKey');");
  }

  private static List<WebElement> rows() {
    return browser.findElements(By.cssSelector("#models tbody tr"));
  }

  private static WebElement row(String model) {
    for (WebElement row : rows()) {
      if (model.equals(row.getAttribute("data-model"))) {
        return row;
      }
    }
    throw new AssertionError("no row for " + model + " on the dashboard");
  }

  private static WebElement badge(WebElement row) {
    return row.findElement(By.cssSelector(".badge"));
  }

  private static <T> T wait(java.util.function.Function<org.openqa.selenium.WebDriver, T> condition) {
    return new WebDriverWait(browser, Duration.ofSeconds(10), Duration.ofMillis(100))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(condition);
  }

  /**
   * A gateway on a {@link SandboxProvider} that simulates every model of {@code catalog} with the
   * tutorial's latency profiles, time-scaled to a few tens of milliseconds, routed by {@code routes}.
   * No retry rounds, so failures are quick; a circuit opens after 3 failures in a row.
   */
  private static final class Gateway implements AutoCloseable {
    final SandboxProvider sandbox;
    final Router router;
    final GatewayServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService clients = Executors.newFixedThreadPool(4);

    Gateway(ModelCatalog catalog, RouteTableStrategy routes, SandboxProvider sandbox) {
      this.sandbox = sandbox;
      InMemoryDeferredQueue deferred = new InMemoryDeferredQueue();
      GatewayMetrics metrics = GatewayMetrics.create();
      router = Router.builder()
          .catalog(catalog)
          .provider(sandbox)
          .strategy(routes)
          .deferredQueue(deferred)
          .listener(metrics)
          .settings(RouterSettings.defaults().withRetry(RetryConfig.noRetries()))
          .build();
      server = GatewayServer.start(router, GatewaySettings.builder().clientKey(CLIENT_KEY).adminKey(ADMIN_KEY).build(),
          metrics, deferred, List.of(sandbox));
    }

    CircuitState state(String model) {
      return router.healthReport().model(model).orElseThrow().state();
    }

    /** Switches a fault through the gateway's sandbox control, as an operator would. */
    void fault(String model, String fault) {
      HttpResponse<String> answer = send(HttpRequest.newBuilder(server.uri().resolve("/admin/sandbox/faults"))
          .timeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer " + ADMIN_KEY)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"fault\":\"" + fault + "\"}")));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    /** Sends {@code n} requests for {@code task:priority}, four at a time, and waits for their answers. */
    void drive(int n, String task, String priority) {
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        answers.add(clients.submit(() -> send(chat("auto", task, priority))));
      }
      for (Future<HttpResponse<String>> answer : answers) {
        try {
          assertThat(answer.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        } catch (Exception e) {
          throw new AssertionError("a request for " + task + ":" + priority + " did not answer", e);
        }
      }
    }

    HttpRequest.Builder chat(String model, String task, String priority) {
      HttpRequest.Builder request = HttpRequest.newBuilder(server.uri().resolve("/v1/chat/completions"))
          .timeout(Duration.ofSeconds(20))
          .header("Content-Type", "application/json")
          .header("Authorization", "Bearer " + CLIENT_KEY)
          .POST(HttpRequest.BodyPublishers.ofString(GatewayFixture.chatBody(model, false)));
      if (task != null) {
        request.header("X-Sheepdog-Task", task).header("X-Sheepdog-Priority", priority);
      }
      return request;
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
      return GatewayFixture.send(http, request);
    }

    @Override
    public void close() {
      clients.shutdownNow();
      server.close();
    }
  }
}
