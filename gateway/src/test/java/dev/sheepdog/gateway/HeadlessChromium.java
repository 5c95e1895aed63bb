package dev.sheepdog.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium} driven through its {@code chromedriver}, headless. Where either is
 * missing, tests that need it are skipped, unless {@value #REQUIRE} is {@code 1} (as in CI), in
 * which case they fail: a build that must prove the dashboard in a browser cannot pass without one.
 * {@code SHEEPDOG_CHROMIUM} and {@code SHEEPDOG_CHROMEDRIVER} name other binaries.
 */
final class HeadlessChromium {
  static final String REQUIRE = "SHEEPDOG_REQUIRE_BROWSER";
  static final int WIDTH = 1440;
  static final int HEIGHT = 1200;

  private HeadlessChromium() {}

  /** A fresh headless browser; aborts (skips) or fails the calling test when there is none. */
  static ChromeDriver start() {
    Path browser = find("SHEEPDOG_CHROMIUM", "chromium", "chromium-browser", "google-chrome");
    Path driver = find("SHEEPDOG_CHROMEDRIVER", "chromedriver");
    if (browser == null || driver == null) {
      String missing = (browser == null ? "chromium" : "") + (browser == null && driver == null ? " and " : "")
          + (driver == null ? "chromedriver" : "");
      String message = missing + " not found (on the PATH, or at SHEEPDOG_CHROMIUM / SHEEPDOG_CHROMEDRIVER): "
          + "install Debian's chromium and chromium-driver";
      if ("1".equals(System.getenv(REQUIRE))) {
        Assertions.fail(message + " (" + REQUIRE + "=1 requires the browser tests)");
      }
      Assumptions.abort(message + "; the browser test is skipped");
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(browser.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=" + WIDTH + "," + HEIGHT, "--force-device-scale-factor=1", "--no-first-run",
        "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--lang=en-US");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(driver.toFile())
        .usingAnyFreePort()
        .build();
    return new ChromeDriver(service, options);
  }

  private static Path find(String override, String... names) {
    String given = System.getenv(override);
    if (given != null && !given.isBlank()) {
      Path path = Path.of(given);
      return Files.isExecutable(path) ? path : null;
    }
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
    dirs.add("/usr/bin");
    for (String name : names) {
      for (String dir : dirs) {
        if (dir.isEmpty()) {
          continue;
        }
        Path path = Path.of(dir, name);
        if (Files.isRegularFile(path) && Files.isExecutable(path)) {
          return path;
        }
      }
    }
    return null;
  }
}
