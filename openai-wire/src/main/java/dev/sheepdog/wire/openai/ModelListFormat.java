package dev.sheepdog.wire.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The model list of {@code GET /models}: {@code {"object":"list","data":[{"id",…},…]}}. */
public final class ModelListFormat {
  private ModelListFormat() {}

  /** One model of the list: its id and who owns it. */
  public record Entry(String id, String ownedBy) {}

  /** The list for a client, in order; {@code created} is 0, as the gateway's models have no date. */
  public static String encode(List<Entry> models) {
    return new String(WireJson.writeBytes(writer -> {
      writer.beginObject();
      writer.name("object").value("list");
      writer.name("data").beginArray();
      for (Entry model : models) {
        writer.beginObject();
        writer.name("id").value(model.id());
        writer.name("object").value("model");
        writer.name("created").value(0);
        writer.name("owned_by").value(model.ownedBy());
        writer.endObject();
      }
      writer.endArray();
      writer.endObject();
    }), java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The ids of an upstream's model list, in its order.
   *
   * @throws WireFormatException when it is not a list of models with ids
   */
  public static List<String> decodeIds(Object wire) {
    Map<String, Object> json = WireJson.object(wire, "the model list");
    if (!(json.get("data") instanceof List<?> data)) {
      throw new WireFormatException("the model list has no data array", "invalid_value", "data");
    }
    List<String> ids = new ArrayList<>(data.size());
    for (Object model : data) {
      Object id = WireJson.object(model, "a model").get("id");
      if (id == null) {
        throw new WireFormatException("a model without an id", "invalid_value", "data");
      }
      ids.add(String.valueOf(id));
    }
    return List.copyOf(ids);
  }
}
