package dev.sheepdog.adapter.openai.internal;

import java.io.IOException;

/**
 * Carries a failure that is not an {@link IOException} (a Jetty timeout, a rejected request)
 * through OkHttp's and Retrofit's callbacks, which take only {@code IOException}s. {@link
 * FailureClassifier} classifies the cause.
 */
public final class TransportFailure extends IOException {
  private static final long serialVersionUID = 1L;

  private TransportFailure(Throwable cause) {
    super(cause.toString(), cause);
  }

  /** {@code failure} itself when it is an {@code IOException}, else wrapped. */
  public static IOException of(Throwable failure) {
    return failure instanceof IOException io ? io : new TransportFailure(failure);
  }
}
