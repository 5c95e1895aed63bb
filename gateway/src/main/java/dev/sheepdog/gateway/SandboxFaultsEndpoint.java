package dev.sheepdog.gateway;

import dev.sheepdog.adapter.sandbox.SandboxFault;
import dev.sheepdog.adapter.sandbox.SandboxFaults;
import dev.sheepdog.adapter.sandbox.SandboxProvider;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.wire.openai.WireFormatException;
import dev.sheepdog.wire.openai.WireJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code /admin/sandbox/faults}: shows and switches the faults of the gateway's sandbox providers.
 * Exists only when the gateway was started with sandbox providers; the admin key guards it like the
 * other admin endpoints.
 *
 * <pre>
 * GET  /admin/sandbox/faults  → {"object":"list","data":[{"model":"gpt-4.1","provider":"sandbox","fault":"none"}, …]}
 * POST /admin/sandbox/faults  {"model":"gpt-4.1","fault":"outage"}
 *                             {"model":"gpt-4.1","fault":"slowdown","factor":3}
 *                             {"model":"gpt-4.1","fault":"rate_limit","retry_after_seconds":30}
 *                             {"model":"gpt-4.1","fault":"none"}   or   {"model":"*","fault":"none"}
 * </pre>
 *
 * A POST answers with the state of every model, as a GET does.
 */
final class SandboxFaultsEndpoint {
  static final String PATH = "/admin/sandbox/faults";
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(30);
  private static final long MAX_BODY_BYTES = 4_096;

  private final List<SandboxProvider> sandboxes;

  private SandboxFaultsEndpoint(List<SandboxProvider> sandboxes) {
    this.sandboxes = List.copyOf(sandboxes);
  }

  /** The endpoint over {@code sandboxes}, or {@code null} when there are none: then it does not exist. */
  static SandboxFaultsEndpoint of(List<SandboxProvider> sandboxes) {
    return sandboxes == null || sandboxes.isEmpty() ? null : new SandboxFaultsEndpoint(sandboxes);
  }

  /** {@code GET}: the fault of every sandbox model. */
  void show(Exchange exchange) {
    exchange.json(200, state());
  }

  /** {@code POST}: sets or heals the fault of one model (or heals all), then answers as {@link #show} does. */
  void change(Exchange exchange) {
    exchange.readBody(MAX_BODY_BYTES, body -> apply(exchange, body));
  }

  private void apply(Exchange exchange, byte[] body) {
    Map<?, ?> json;
    try {
      Object parsed = WireJson.parseStrict(body);
      if (!(parsed instanceof Map<?, ?> map)) {
        exchange.error(ApiError.badRequest("the body must be a JSON object", "invalid_body", null));
        return;
      }
      json = map;
    } catch (WireFormatException e) {
      exchange.error(ApiError.badRequest(e.getMessage(), e.code(), null));
      return;
    }
    if (!(json.get("model") instanceof String model) || model.isBlank()) {
      exchange.error(ApiError.badRequest("model is required: the id of a sandbox model, or * with fault none",
          "invalid_value", "model"));
      return;
    }
    if (!(json.get("fault") instanceof String faultName)) {
      exchange.error(ApiError.badRequest("fault is required: one of " + faultNames(), "invalid_value", "fault"));
      return;
    }
    String kind = faultName.strip().toLowerCase(Locale.ROOT);
    if (!faultNames().contains(kind)) {
      exchange.error(ApiError.badRequest("fault must be one of " + faultNames(), "invalid_value", "fault"));
      return;
    }
    SandboxFault fault;
    try {
      fault = fault(kind, json);
    } catch (IllegalArgumentException e) {
      // the record's message names the field and holds nothing from the caller but the value
      String param = e.getMessage().startsWith("factor") ? "factor"
          : e.getMessage().startsWith("retry_after") ? "retry_after_seconds" : "fault";
      exchange.error(ApiError.badRequest(e.getMessage(), "invalid_value", param));
      return;
    }
    if (model.equals("*")) {
      if (fault != null) {
        exchange.error(ApiError.badRequest("model * takes only fault none", "invalid_value", "model"));
        return;
      }
      sandboxes.forEach(sandbox -> sandbox.faults().healAll());
      exchange.json(200, state());
      return;
    }
    ModelId id = ModelId.of(model);
    List<SandboxFaults> serving = sandboxes.stream().map(SandboxProvider::faults)
        .filter(faults -> faults.models().contains(id)).toList();
    if (serving.isEmpty()) {
      exchange.error(ApiError.badRequest("model " + model + " is not simulated by the sandbox; known: " + models(),
          "invalid_value", "model"));
      return;
    }
    for (SandboxFaults faults : serving) {
      if (fault == null) {
        faults.heal(id);
      } else {
        faults.set(id, fault);
      }
    }
    exchange.json(200, state());
  }

  /** The fault named {@code kind}, or {@code null} for {@code none}. */
  private static SandboxFault fault(String kind, Map<?, ?> json) {
    if (kind.equals("none")) {
      return null;
    }
    return switch (SandboxFault.Kind.ofWireName(kind)) {
      case OUTAGE -> SandboxFault.outage();
      case STALL -> SandboxFault.stall();
      case BROKEN_STREAM -> SandboxFault.brokenStream();
      case SLOWDOWN -> {
        if (!(json.get("factor") instanceof Number factor)) {
          throw new IllegalArgumentException("factor is required for a slowdown: a number of at least 1");
        }
        yield SandboxFault.slowdown(factor.doubleValue());
      }
      case RATE_LIMIT -> {
        Object seconds = json.get("retry_after_seconds");
        if (seconds == null) {
          yield SandboxFault.rateLimit(DEFAULT_RETRY_AFTER);
        }
        if (!(seconds instanceof Number number) || !(number.doubleValue() > 0) || number.doubleValue() > 86_400) {
          throw new IllegalArgumentException("retry_after_seconds must be a number of seconds in (0, 86400]");
        }
        yield SandboxFault.rateLimit(Duration.ofMillis(Math.round(number.doubleValue() * 1000)));
      }
    };
  }

  private static List<String> faultNames() {
    List<String> names = new ArrayList<>();
    names.add("none");
    for (SandboxFault.Kind kind : SandboxFault.Kind.values()) {
      names.add(kind.wireName());
    }
    return names;
  }

  private TreeSet<String> models() {
    TreeSet<String> models = new TreeSet<>();
    sandboxes.forEach(sandbox -> sandbox.faults().models().forEach(m -> models.add(m.value())));
    return models;
  }

  private String state() {
    List<Object> data = new ArrayList<>();
    for (SandboxProvider sandbox : sandboxes) {
      for (ModelId model : sandbox.profiles().keySet()) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("model", model.value());
        entry.put("provider", sandbox.id().value());
        SandboxFault fault = sandbox.faults().of(model).orElse(null);
        entry.put("fault", fault == null ? "none" : fault.kind().wireName());
        if (fault != null && fault.kind() == SandboxFault.Kind.SLOWDOWN) {
          entry.put("factor", fault.factor());
        }
        if (fault != null && fault.kind() == SandboxFault.Kind.RATE_LIMIT) {
          entry.put("retry_after_seconds", fault.retryAfter().toMillis() / 1000.0);
        }
        data.add(entry);
      }
    }
    return WireJson.write(Map.of("object", "list", "data", data));
  }
}
