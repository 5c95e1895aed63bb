package dev.sheepdog.gateway;

import dev.sheepdog.wire.openai.WireJson;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.TaskType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/models}: what a client may name as {@code model}, in OpenAI's list shape. The
 * catalog's models, owned by their providers, then {@code auto} and every {@code task:priority}
 * of the configured routes, owned by {@code sheepdog}.
 */
final class ModelList {
  private final String json;

  ModelList(ModelCatalog catalog, Set<TaskType> routes) {
    List<Object> data = new ArrayList<>();
    for (ModelSpec spec : catalog.models()) {
      data.add(model(spec.id().value(), spec.provider().value()));
    }
    data.add(model(RouteResolver.AUTO, "sheepdog"));
    for (TaskType task : routes) {
      for (String priority : List.of("fast", "normal", "high")) {
        data.add(model(task.name() + ":" + priority, "sheepdog"));
      }
    }
    this.json = WireJson.write(Map.of("object", "list", "data", data));
  }

  void serve(Exchange exchange) {
    exchange.json(200, json);
  }

  private static Map<String, Object> model(String id, String owner) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", id);
    json.put("object", "model");
    json.put("created", 0);
    json.put("owned_by", owner);
    return json;
  }
}
