package dev.sheepdog.gateway;

import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a request's {@code model} member and {@code X-Sheepdog-*} headers into route hints: a
 * catalog model is pinned with its configured fallbacks; {@code auto}, {@code task} or {@code
 * task:priority} lets the strategy plan; the headers override the alias.
 */
final class RouteResolver {
  static final String AUTO = "auto";
  /** A task name from a header: short, and only what a route name may hold, so it can be echoed. */
  private static final Pattern TASK_NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");
  /** Dollars with at most nine decimals (a nano-dollar): checked before any number is built from it. */
  private static final Pattern DOLLARS = Pattern.compile("[0-9]{1,12}(\\.[0-9]{1,9})?");

  private final ModelCatalog catalog;
  private final GatewaySettings settings;

  RouteResolver(ModelCatalog catalog, GatewaySettings settings) {
    this.catalog = catalog;
    this.settings = settings;
  }

  /** The headers a client may send; {@code null} for those it did not. */
  record HintHeaders(String task, String priority, String maxCostUsd, String allowDefer) {}

  /** Throws {@link RouteException} with the error to answer when the hints cannot be honoured. */
  RouteHints resolve(String model, HintHeaders headers, String requestId, String clientTag) {
    RouteHints.Builder hints = RouteHints.builder().requestId(requestId).deadline(settings.deadline());
    if (clientTag != null) {
      hints.tag(clientTag);
    }
    ModelId asModel = ModelId.of(model);
    if (catalog.contains(asModel)) {
      List<ModelId> pinned = new ArrayList<>();
      pinned.add(asModel);
      pinned.addAll(settings.fallbacks().getOrDefault(asModel, List.of()));
      hints.pin(pinned);
    } else if (!model.equalsIgnoreCase(AUTO)) {
      int colon = model.indexOf(':');
      String task = colon < 0 ? model : model.substring(0, colon);
      hints.task(knownTask(task).orElseThrow(() -> new RouteException(ApiError.notFound("the model or route '"
          + model + "' does not exist; GET /v1/models lists them", "model_not_found", "model"))));
      if (colon >= 0) {
        hints.priority(Priority.parse(model.substring(colon + 1)).orElseThrow(() -> new RouteException(
            ApiError.notFound("the route '" + model + "' has an unknown priority; use fast, normal or high",
                "model_not_found", "model"))));
      }
    }
    if (headers.task() != null) {
      String task = headers.task().strip();
      if (!TASK_NAME.matcher(task).matches()) {
        throw new RouteException(ApiError.badRequest("X-Sheepdog-Task must be a route name: letters, digits, '_', "
            + "'.' and '-', at most 64", "invalid_value", "X-Sheepdog-Task"));
      }
      hints.task(knownTask(task).orElseThrow(() -> new RouteException(ApiError.notFound(
          "the task '" + task + "' has no route", "route_not_found", "X-Sheepdog-Task"))));
    }
    if (headers.priority() != null) {
      hints.priority(Priority.parse(headers.priority()).orElseThrow(() -> new RouteException(ApiError.badRequest(
          "X-Sheepdog-Priority must be fast, normal or high", "invalid_value", "X-Sheepdog-Priority"))));
    }
    if (headers.maxCostUsd() != null) {
      hints.maxCost(maxCost(headers.maxCostUsd()));
    }
    if (headers.allowDefer() != null) {
      String value = headers.allowDefer().strip().toLowerCase(Locale.ROOT);
      if (!value.equals("true") && !value.equals("false")) {
        throw new RouteException(ApiError.badRequest("X-Sheepdog-Allow-Defer must be true or false",
            "invalid_value", "X-Sheepdog-Allow-Defer"));
      }
      hints.allowDeferral(value.equals("true"));
    }
    return hints.build();
  }

  private Optional<TaskType> knownTask(String name) {
    if (name.isBlank()) {
      return Optional.empty();
    }
    TaskType task = TaskType.of(name);
    return settings.routes().contains(task) ? Optional.of(task) : Optional.empty();
  }

  private static Money maxCost(String usd) {
    String amount = usd.strip();
    // the shape first: no number is built from a value that is not a short plain amount
    if (amount.length() > 22 || !DOLLARS.matcher(amount).matches()) {
      throw new RouteException(ApiError.badRequest("X-Sheepdog-Max-Cost-Usd must be a dollar amount such as 0.05 "
          + "(digits, at most 9 decimals)", "invalid_value", "X-Sheepdog-Max-Cost-Usd"));
    }
    return Money.ofUsd(amount);
  }

  /** Hints that cannot be honoured, with the answer to give. */
  static final class RouteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ApiError error;

    RouteException(ApiError error) {
      super(error.message());
      this.error = error;
    }

    ApiError error() {
      return error;
    }
  }
}
