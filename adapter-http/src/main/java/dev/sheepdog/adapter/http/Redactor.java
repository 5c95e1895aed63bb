package dev.sheepdog.adapter.http;

import dev.sheepdog.spi.ProviderException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;

/** Masks one call's secrets: the request's credentials and the ones its {@link HttpCalls} was given. */
final class Redactor {
  static final String MASK = "[redacted]";
  private static final int MAX_DEPTH = 16;

  private final List<String> secrets;

  private Redactor(List<String> secrets) {
    this.secrets = secrets;
  }

  static Redactor of(List<String> configured, Request request) {
    List<String> secrets = new ArrayList<>(configured);
    for (HttpHeader header : List.of(HttpHeader.AUTHORIZATION, HttpHeader.PROXY_AUTHORIZATION)) {
      for (String value : request.getHeaders().getValuesList(header)) {
        String credentials = value.strip();
        int space = credentials.indexOf(' ');
        secrets.add(credentials); // "Bearer k", echoed whole
        if (space > 0) {
          secrets.add(credentials.substring(space + 1).strip()); // "k", the key itself
        }
      }
    }
    secrets.removeIf(String::isBlank);
    secrets.sort(Comparator.comparingInt(String::length).reversed()); // "Bearer k" before "k"
    return new Redactor(List.copyOf(secrets));
  }

  String mask(String text) {
    if (text == null) {
      return null;
    }
    String masked = text;
    for (String secret : secrets) {
      masked = masked.replace(secret, MASK);
    }
    return masked;
  }

  boolean reveals(String text) {
    if (text == null) {
      return false;
    }
    for (String secret : secrets) {
      if (text.contains(secret)) {
        return true;
      }
    }
    return false;
  }

  /** {@code cause}, or {@code null} when it or one of its causes would show a secret. */
  Throwable safeCause(Throwable cause) {
    int depth = 0;
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (++depth > MAX_DEPTH || reveals(t.getMessage()) || reveals(t.toString())) {
        return null; // a chain that deep (or a cycle) is not worth the risk
      }
      for (Throwable suppressed : t.getSuppressed()) {
        if (safeCause(suppressed) == null) {
          return null;
        }
      }
    }
    return cause;
  }

  /** {@code failure} as it is when it shows no secret, else rebuilt with the secrets masked. */
  ProviderException clean(ProviderException failure) {
    Throwable cause = failure.getCause();
    if (!reveals(failure.getMessage()) && !reveals(failure.toString()) && safeCause(cause) == cause
        && noSecretSuppressed(failure)) {
      return failure;
    }
    return new ProviderException(failure.kind(), failure.httpStatus(), mask(failure.providerMessage()),
        failure.retryAfter().orElse(null), safeCause(cause));
  }

  private boolean noSecretSuppressed(Throwable failure) {
    for (Throwable suppressed : failure.getSuppressed()) {
      if (safeCause(suppressed) == null) {
        return false;
      }
    }
    return true;
  }
}
