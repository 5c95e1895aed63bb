package dev.sheepdog.core;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import java.util.List;

/**
 * A provider rejected the request itself (bad request, content filtered, prompt too long for every
 * model that could take it). Another model would reject it too, so the router did not fail over.
 */
public final class RequestRejectedException extends RoutingException {
  private static final long serialVersionUID = 1L;

  private final FailureKind kind;
  private final int httpStatus;
  private final ModelId model;
  private final String providerMessage;

  RequestRejectedException(String requestId, ModelId model, FailureKind kind, int httpStatus, String providerMessage,
      List<Attempt> attempts) {
    super(requestId, kind + " from " + model + (httpStatus > 0 ? " (HTTP " + httpStatus + ")" : "") + ": "
        + providerMessage, attempts);
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.model = model;
    this.providerMessage = providerMessage;
  }

  public FailureKind kind() {
    return kind;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public ModelId model() {
    return model;
  }

  public String providerMessage() {
    return providerMessage;
  }
}
