package dev.sheepdog.wire.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The model list of {@code GET /models}: {@code {"object":"list","data":[{"id",…},…]}}. */
public final class ModelListFormat {
  private ModelListFormat() {}

  /**
   * The ids of an upstream's model list, in its order.
   *
   * @throws WireFormatException when it is not a list of models with ids
   */
  public static List<String> decodeIds(Object wire) {
    Map<String, Object> json = ChatAnswerFormat.object(wire, "the model list");
    if (!(json.get("data") instanceof List<?> data)) {
      throw new WireFormatException("the model list has no data array", "invalid_value", "data");
    }
    List<String> ids = new ArrayList<>(data.size());
    for (Object model : data) {
      Object id = ChatAnswerFormat.object(model, "a model").get("id");
      if (id == null) {
        throw new WireFormatException("a model without an id", "invalid_value", "data");
      }
      ids.add(String.valueOf(id));
    }
    return List.copyOf(ids);
  }
}
