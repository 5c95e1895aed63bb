package dev.sheepdog.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * {@code GET /dashboard}: one self-contained HTML page ({@code dashboard.html}, inline style and
 * script, nothing fetched from elsewhere) that polls {@code /admin/health} and {@code
 * /admin/deferred} with the admin key the operator types into it.
 *
 * <p>The page holds no data and no key, so it is served without authentication; everything it
 * shows comes from the admin endpoints, which check the key. Like them, it does not exist when no
 * admin key is configured. Its Content-Security-Policy admits only the page's own inline style and
 * script, by hash, and requests to the gateway itself, so nothing a model, provider or alert says
 * can run in the operator's browser even if it got past the page's own escaping.
 */
final class Dashboard {
  static final String PATH = "/dashboard";
  private static final String RESOURCE = "dashboard.html";

  private final String html;
  private final String contentSecurityPolicy;
  private final boolean enabled;

  private Dashboard(String html, boolean enabled) {
    this.html = html;
    this.enabled = enabled;
    this.contentSecurityPolicy = "default-src 'none'; script-src " + inlineHash(html, "script") + "; style-src "
        + inlineHash(html, "style") + "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
        + "frame-ancestors 'none'";
  }

  /**
   * The page from the gateway's resources, served when {@code enabled} (an admin key is
   * configured); fails at start, not at the first visit, if it is missing.
   */
  static Dashboard load(boolean enabled) {
    try (InputStream in = Dashboard.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard page " + RESOURCE + " is missing from the gateway's resources");
      }
      return new Dashboard(new String(in.readAllBytes(), StandardCharsets.UTF_8), enabled);
    } catch (IOException e) {
      throw new UncheckedIOException("the dashboard page could not be read", e);
    }
  }

  /** Answers with the page, or 404 like the admin endpoints when it is not enabled. */
  void serve(Exchange exchange) {
    if (!enabled) {
      exchange.error(ApiError.notFound("the dashboard is disabled: no admin key is configured", "unknown_url", null));
      return;
    }
    var headers = exchange.response().getHeaders();
    headers.put("Content-Security-Policy", contentSecurityPolicy);
    headers.put("Cache-Control", "no-store");
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Referrer-Policy", "no-referrer");
    headers.put("X-Frame-Options", "DENY");
    exchange.text(200, "text/html; charset=utf-8", html);
  }

  /** The CSP source of the page's one inline {@code <tag>} element: {@code 'sha256-…'} of its text. */
  private static String inlineHash(String html, String tag) {
    String open = "<" + tag + ">";
    int start = html.indexOf(open);
    int end = html.indexOf("</" + tag + ">", start);
    if (start < 0 || end < 0 || html.indexOf(open, end) >= 0) {
      throw new IllegalStateException("the dashboard page must hold exactly one plain <" + tag + "> element");
    }
    byte[] text = html.substring(start + open.length(), end).getBytes(StandardCharsets.UTF_8);
    try {
      return "'sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text))
          + "'";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }
}
