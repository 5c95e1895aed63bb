package dev.sheepdog.gateway;

import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.wire.openai.ModelListFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1/models}: what a client may name as {@code model}, in OpenAI's list shape. The
 * catalog's models, owned by their providers, then {@code auto} and every {@code task:priority}
 * of the configured routes, owned by {@code sheepdog}.
 */
final class ModelList {
  private final String json;

  ModelList(ModelCatalog catalog, Set<TaskType> routes) {
    List<ModelListFormat.Entry> models = new ArrayList<>();
    for (ModelSpec spec : catalog.models()) {
      models.add(new ModelListFormat.Entry(spec.id().value(), spec.provider().value()));
    }
    models.add(new ModelListFormat.Entry(RouteResolver.AUTO, "sheepdog"));
    for (TaskType task : routes) {
      for (String priority : List.of("fast", "normal", "high")) {
        models.add(new ModelListFormat.Entry(task.name() + ":" + priority, "sheepdog"));
      }
    }
    this.json = ModelListFormat.encode(models);
  }

  void serve(Exchange exchange) {
    exchange.json(200, json);
  }
}
