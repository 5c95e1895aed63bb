package dev.sheepdog.gateway;

import java.net.http.HttpResponse;

/** {@link ErrorResponsesTest}'s error-shape assertion, for tests in other packages. */
public final class ErrorResponsesTestAccess {
  private ErrorResponsesTestAccess() {}

  public static HttpResponse<String> assertError(HttpResponse<String> response, int status, String type,
      String code) {
    return ErrorResponsesTest.assertError(response, status, type, code);
  }
}
