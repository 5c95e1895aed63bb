package dev.sheepdog.gateway.config;

import dev.sheepdog.core.AllOpenPolicy;
import dev.sheepdog.core.CircuitBreakerConfig;
import dev.sheepdog.core.FleetSettings;
import dev.sheepdog.core.HedgingConfig;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.core.StrategyRegistry;
import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.core.deferred.ReplayPolicy;
import dev.sheepdog.gateway.CacheSettings;
import dev.sheepdog.gateway.DeferredSettings;
import dev.sheepdog.gateway.GatewayLimits;
import dev.sheepdog.gateway.GatewaySettings;
import dev.sheepdog.gateway.TelemetrySettings;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.EmbeddingSpec;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.state.redis.RedisSettings;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a gateway's YAML file into a {@link ConfigFile}, checking everything at once: types,
 * required and unknown keys, environment variables, and that every name refers to something that
 * exists. Reports all problems in one {@link ConfigException}, each naming the file, the line and
 * the field.
 *
 * <pre>{@code
 * ConfigFile config = ConfigLoader.create().load(Path.of("gateway.yaml"));
 * }</pre>
 *
 * Immutable; the withers return a changed copy.
 */
public final class ConfigLoader {
  private static final int YAML_PROBLEM_MAX_LENGTH = 200;

  private final UnaryOperator<String> environment;
  private final ProviderTypes types;
  private final Map<String, Supplier<? extends SelectionStrategy>> strategies;

  private ConfigLoader(UnaryOperator<String> environment, ProviderTypes types,
      Map<String, Supplier<? extends SelectionStrategy>> strategies) {
    this.environment = environment;
    this.types = types;
    this.strategies = strategies;
  }

  /**
   * Reads variables from the process environment and knows the built-in provider types and
   * strategies.
   */
  public static ConfigLoader create() {
    return new ConfigLoader(System::getenv, ProviderTypes.builtIn(), Map.of());
  }

  /** Reads environment variables from {@code environment} instead (tests, embedding). */
  public ConfigLoader withEnvironment(UnaryOperator<String> environment) {
    return new ConfigLoader(Objects.requireNonNull(environment, "environment"), types, strategies);
  }

  /** Knows these provider types instead of the built-in ones. */
  public ConfigLoader withProviderTypes(ProviderTypes types) {
    return new ConfigLoader(environment, Objects.requireNonNull(types, "types"), strategies);
  }

  /**
   * Knows these strategies besides the built-in ones ({@link Strategies#builtInNames()}), which
   * they may not rename; a configuration loaded by it carries them to the gateway.
   */
  public ConfigLoader withStrategies(Map<String, ? extends Supplier<? extends SelectionStrategy>> strategies) {
    Map<String, Supplier<? extends SelectionStrategy>> copy = new LinkedHashMap<>();
    strategies.forEach((name, factory) -> {
      Objects.requireNonNull(factory, "strategy " + name);
      if (Strategies.builtInNames().contains(name)) {
        throw new IllegalArgumentException("strategy " + name + " is built in; choose another name");
      }
      if (name.isBlank() || name.contains("+")) {
        throw new IllegalArgumentException("strategy name '" + name + "' must be non-blank and without +");
      }
      copy.put(name, factory);
    });
    return new ConfigLoader(environment, types, Collections.unmodifiableMap(copy));
  }

  /** Loads {@code file}, named in messages as given. */
  public ConfigFile load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigProblem(file.toString(), 0, "",
          "cannot read the file (" + e.getClass().getSimpleName() + (e.getMessage() == null ? ""
              : ": " + e.getMessage()) + ")")));
    }
    return parse(text, file.toString());
  }

  /** Loads YAML text, naming it {@code fileName} in messages. */
  public ConfigFile parse(String yaml, String fileName) {
    Node root;
    try {
      LoadSettings settings = LoadSettings.builder().setLabel(fileName).setAllowDuplicateKeys(false).build();
      root = new Compose(settings).composeString(yaml).orElse(null);
    } catch (MarkedYamlEngineException e) {
      // the problem alone: the full message quotes the offending line, which may hold a key
      int line = e.getProblemMark().map(mark -> mark.getLine() + 1).orElse(0);
      throw new ConfigException(List.of(new ConfigProblem(fileName, line, "", "not valid YAML: "
          + bounded(e.getProblem()))));
    } catch (YamlEngineException e) {
      throw new ConfigException(List.of(new ConfigProblem(fileName, 0, "", "not valid YAML: "
          + bounded(e.getMessage()))));
    }
    ConfigNode node = ConfigNode.root(root, fileName, environment);
    if (root != null && !(root instanceof MappingNode)) {
      node.error("expected a mapping of sections (server, providers, models, routes, …)");
      throw new ConfigException(node.problems());
    }
    ConfigFile config = new Reading(node, types, strategies).read();
    if (node.hasProblems()) {
      throw new ConfigException(node.problems());
    }
    return config;
  }

  /** A parser's problem, cut short: some name what they found (an undefined alias, for one). */
  private static String bounded(String problem) {
    String text = String.valueOf(problem).strip();
    return text.length() <= YAML_PROBLEM_MAX_LENGTH ? text : text.substring(0, YAML_PROBLEM_MAX_LENGTH) + "…";
  }

  /** One pass over one file. */
  private static final class Reading {
    private final ConfigNode root;
    private final ProviderTypes types;
    private final Map<String, Supplier<? extends SelectionStrategy>> strategies;
    private final Set<String> strategyNames = new LinkedHashSet<>();
    // every provider name in the file, even those whose section has problems, so models naming them
    // are not reported a second time
    private final Set<String> providerNames = new TreeSet<>();
    // the model ids that problems may list: those written in the file, not those from ${...}
    private final Set<String> listedModels = new TreeSet<>();
    /** The catalog's models as read, for checks of the routes that name them. */
    private final Map<ModelId, ModelSpec> specs = new LinkedHashMap<>();

    Reading(ConfigNode root, ProviderTypes types, Map<String, Supplier<? extends SelectionStrategy>> strategies) {
      this.root = root;
      this.types = types;
      this.strategies = strategies;
      strategyNames.addAll(Strategies.builtInNames());
      strategyNames.addAll(strategies.keySet());
    }

    ConfigFile read() {
      ConfigNode serverSection = root.section("server");
      ConfigFile.Server server = server(serverSection);
      ConfigFile.Auth auth = auth(root.section("auth"));
      if (auth.clientKeys().isEmpty() && !isLoopback(server.host())) {
        // an open gateway spends the operator's upstream credit for anyone who can reach it
        serverSection.error("host", "binding an address other than loopback needs client keys: without "
            + "auth.client_keys_env, only a loopback address (127.0.0.1, localhost, ::1) is allowed");
      }
      Map<String, ConfigFile.Provider> providers = providers();
      ModelCatalog catalog = models();
      Set<ModelId> known = new LinkedHashSet<>();
      if (catalog != null) {
        catalog.models().forEach(model -> known.add(model.id()));
      }
      ConfigFile.Routes routes = routes(root.section("routes"), known);
      RouterSettings settings = settings();
      Optional<HedgingConfig> hedging = hedging(root.section("hedging"));
      ConfigFile.Alerts alerts = alerts(root.section("alerts"));
      List<BudgetCap> budgets = budgets(root.section("budget"));
      ConfigFile.Deferred deferred = deferred(root.section("deferred"));
      ConfigFile.State state = state(root.section("state"));
      CacheSettings cache = cache(root.section("cache"));
      TelemetrySettings telemetry = telemetry(root.section("telemetry"));
      root.rejectUnknownKeys();
      if (root.hasProblems()) {
        return null;
      }
      return new ConfigFile(root.file(), server, auth, providers, catalog, routes, settings, hedging, alerts,
          budgets, deferred, state, cache, telemetry, strategies);
    }

    private ConfigFile.Server server(ConfigNode section) {
      String host = section.string("host", ConfigFile.Server.DEFAULT_HOST);
      int port = section.integer("port", ConfigFile.Server.DEFAULT_PORT, 0, 65_535);
      long body = section.byteSize("max_body_size", ConfigFile.Server.DEFAULT_MAX_BODY_BYTES);
      Duration idle = section.duration("idle_timeout", ConfigFile.Server.DEFAULT_IDLE_TIMEOUT);
      Duration drain = section.durationOrZero("drain_timeout", ConfigFile.Server.DEFAULT_DRAIN_TIMEOUT);
      GatewayLimits defaults = GatewayLimits.defaults();
      int connections = section.integer("max_connections", defaults.maxConnections(), 1, 1_000_000);
      long headers = section.byteSize("max_header_size", defaults.maxHeaderBytes());
      if (headers < 1024 || headers > 1 << 20) {
        section.error("max_header_size", "must be between 1KiB and 1MiB");
        headers = defaults.maxHeaderBytes();
      }
      Duration headerTimeout = section.duration("header_timeout", defaults.headerTimeout());
      Duration bodyTimeout = section.duration("body_timeout", defaults.bodyTimeout());
      long requestRate = section.longValue("min_request_rate", defaults.minRequestBytesPerSecond(), 0,
          1L << 30);
      long responseRate = section.longValue("min_response_rate", defaults.minResponseBytesPerSecond(), 0,
          1L << 30);
      long streamBuffer = section.byteSize("max_stream_buffer", defaults.maxStreamBufferBytes());
      if (streamBuffer < 1024) {
        section.error("max_stream_buffer", "must be at least 1KiB");
        streamBuffer = defaults.maxStreamBufferBytes();
      }
      int threads = section.integer("threads", GatewaySettings.DEFAULT_THREADS, 8, 10_000);
      section.rejectUnknownKeys();
      GatewayLimits limits = new GatewayLimits(connections, (int) headers, headerTimeout, bodyTimeout, requestRate,
          responseRate, streamBuffer);
      return new ConfigFile.Server(host, port, body, idle, drain, limits, threads);
    }

    private ConfigFile.Auth auth(ConfigNode section) {
      section.rejectSecretInClear("client_keys", "client_keys_env");
      section.rejectSecretInClear("client_key", "client_keys_env");
      section.rejectSecretInClear("admin_key", "admin_key_env");
      List<ConfigNode.Secret> clientKeys = new ArrayList<>();
      for (ConfigNode item : section.textItems("client_keys_env")) {
        item.secretValue().ifPresent(clientKeys::add);
      }
      Optional<ConfigNode.Secret> admin = section.secretFromEnvironment("admin_key_env");
      section.rejectUnknownKeys();
      return new ConfigFile.Auth(clientKeys, admin);
    }

    private Map<String, ConfigFile.Provider> providers() {
      if (!root.has("providers")) {
        root.missing("providers");
      }
      Map<String, ConfigFile.Provider> providers = new LinkedHashMap<>();
      for (Map.Entry<String, ConfigNode> entry : root.namedSections("providers").entrySet()) {
        String name = entry.getKey();
        ConfigNode section = entry.getValue();
        providerNames.add(name);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
          section.error("a provider name is letters, digits, '.', '_' and '-'");
        }
        Optional<String> type = section.requiredString("type");
        if (type.isEmpty()) {
          continue;
        }
        Optional<ProviderFactory> factory = types.find(type.get());
        if (factory.isEmpty()) {
          String suggestion = ConfigNode.closest(type.get(), types.names());
          section.error("type", "unknown provider type"
              + (suggestion == null ? "" : "; did you mean " + suggestion + "?")
              + " (known: " + String.join(", ", new TreeSet<>(types.names()))
              + "; a plug-in's type needs its jar in plugins/ or --plugins DIR)");
          continue;
        }
        PreparedProvider prepared = factory.get().prepare(section, name);
        section.rejectUnknownKeys();
        if (prepared != null) {
          providers.put(name, new ConfigFile.Provider(name, type.get(), prepared));
        }
      }
      return providers;
    }

    private ModelCatalog models() {
      if (!root.has("models")) {
        root.missing("models");
      }
      List<ModelSpec> models = new ArrayList<>();
      Map<String, Integer> seen = new LinkedHashMap<>();
      for (ConfigNode item : root.list("models")) {
        Optional<String> id = item.requiredString("id");
        Optional<String> provider = item.requiredString("provider");
        String upstream = item.string("upstream_name", id.orElse("unnamed"));
        ConfigNode priceSection = item.section("price");
        Optional<BigDecimal> input = priceSection.decimal("input");
        Optional<BigDecimal> output = priceSection.decimal("output");
        priceSection.rejectUnknownKeys();
        int context = item.integer("context_window", 128_000, 1, Integer.MAX_VALUE);
        long rpm = item.longValue("rpm", 0, 0, Long.MAX_VALUE);
        long tpm = item.longValue("tpm", 0, 0, Long.MAX_VALUE);
        QualityTier tier = item.choice("tier", QualityTier.class, QualityTier.STANDARD);
        EmbeddingSpec embedding = embedding(item, upstream);
        item.rejectUnknownKeys();
        if (id.isPresent() && seen.putIfAbsent(id.get(), item.line()) != null) {
          item.error("id", "is listed twice (also on line " + seen.get(id.get()) + ")");
          continue;
        }
        if (provider.isPresent() && !providerNames.contains(provider.get())) {
          String suggestion = ConfigNode.closest(provider.get(), providerNames);
          item.error("provider", "unknown provider"
              + (suggestion == null ? "" : "; did you mean " + suggestion + "?")
              + " (known: " + String.join(", ", providerNames) + ")");
          continue;
        }
        if (id.isEmpty() || provider.isEmpty()) {
          continue;
        }
        boolean added = attempt(item, () -> models.add(ModelSpec.builder(id.get(), provider.get())
            .upstreamName(upstream)
            .price(Price.perMillion(input.orElse(BigDecimal.ZERO), output.orElse(BigDecimal.ZERO)))
            .contextWindow(context)
            .limits(rpm, tpm)
            .tier(tier)
            .embedding(embedding)
            .build()));
        if (added && item.get("id").map(node -> !node.substituted()).orElse(false)) {
          listedModels.add(id.get());
        }
      }
      models.forEach(model -> specs.put(model.id(), model));
      if (models.isEmpty()) {
        if (root.has("models") && !root.hasProblems()) {
          root.error("models", "lists no model; a gateway needs at least one");
        }
        return null;
      }
      return ModelCatalog.of(models);
    }

    /** What a catalog model answers: chat completions or embeddings. */
    private enum ModelKind { CHAT, EMBEDDING }

    /**
     * {@code kind: embedding} with its {@code dimensions} (required) and {@code space} (the upstream
     * name unless given), or {@code null} for a chat model.
     */
    private EmbeddingSpec embedding(ConfigNode item, String upstream) {
      if (item.choice("kind", ModelKind.class, ModelKind.CHAT) == ModelKind.CHAT) {
        for (String key : List.of("dimensions", "space")) {
          if (item.get(key).isPresent()) {
            item.error(key, "applies to embedding models only; add kind: embedding");
          }
        }
        return null;
      }
      if (!item.has("dimensions")) {
        item.missing("dimensions");
        return null;
      }
      int dimensions = item.integer("dimensions", 0, 1, 1 << 16);
      String space = item.string("space", upstream);
      return dimensions < 1 ? null : new EmbeddingSpec(dimensions, space);
    }

    /**
     * Why {@code fallback} cannot stand in for {@code model}, or {@code null} when it can: chat and
     * embedding models never mix, and an embedding model's fallback returns vectors of its space and
     * size, or they would not match the vectors already in the caller's index.
     */
    private String incompatible(ModelId model, ModelId fallback) {
      ModelSpec first = specs.get(model);
      ModelSpec next = specs.get(fallback);
      if (first == null || next == null || first.isEmbedding() != next.isEmbedding()) {
        return first == null || next == null ? null : "is " + (next.isEmbedding() ? "an embedding" : "a chat")
            + " model and " + model + " is not: chat and embedding models do not stand in for each other";
      }
      if (!first.isEmbedding()) {
        return null;
      }
      EmbeddingSpec a = first.embedding();
      EmbeddingSpec b = next.embedding();
      if (a.space().equals(b.space()) && a.dimensions() == b.dimensions()) {
        return null;
      }
      return "returns vectors of space " + b.space() + " with " + b.dimensions() + " dimensions, where " + model
          + " returns space " + a.space() + " with " + a.dimensions() + ": they would not match the vectors "
          + "already indexed; give both the same space only if their vectors are interchangeable";
    }

    private ConfigFile.Routes routes(ConfigNode section, Set<ModelId> models) {
      String strategy = section.string("strategy", RouteTableStrategy.NAME);
      List<String> parts = StrategyRegistry.parts(strategy);
      for (int i = 0; i < parts.size(); i++) {
        String part = parts.get(i);
        if (!strategyNames.contains(part)) {
          String suggestion = ConfigNode.closest(part, strategyNames);
          section.error("strategy", "unknown strategy"
              + (parts.size() == 1 ? "" : " (part " + (i + 1) + " of " + parts.size() + ")")
              + (suggestion == null ? "" : "; did you mean " + suggestion + "?")
              + " (known: " + String.join(", ", new TreeSet<>(strategyNames))
              + "; compose them with +, such as latency-tier+cost; a plug-in's strategy needs its jar in plugins/ "
              + "or --plugins DIR)");
        }
      }
      RouteTableStrategy table = table(section, models);
      Map<ModelId, List<ModelId>> fallbacks = new LinkedHashMap<>();
      ConfigNode fallbackSection = section.section("fallbacks");
      for (String model : fallbackSection.keys()) {
        List<ConfigNode> next = fallbackSection.textItems(model);
        if (!models.contains(ModelId.of(model))) {
          fallbackSection.error(model, "fallbacks for an unknown model" + suggest(model));
        }
        List<ModelId> ids = new ArrayList<>();
        for (ConfigNode item : next) {
          modelReference(item, models).ifPresent(fallback -> {
            String why = incompatible(ModelId.of(model), fallback);
            if (why != null) {
              item.error(why);
            } else {
              ids.add(fallback);
            }
          });
        }
        fallbacks.put(ModelId.of(model), ids);
      }
      Set<TaskType> aliases = new LinkedHashSet<>();
      for (ConfigNode item : section.textItems("aliases")) {
        item.text().ifPresent(task -> attempt(item, () -> aliases.add(TaskType.of(task))));
      }
      section.rejectUnknownKeys();
      if (table != null) {
        aliases.addAll(table.tasks());
      }
      return table == null ? null : new ConfigFile.Routes(strategy, table, fallbacks, aliases);
    }

    private RouteTableStrategy table(ConfigNode section, Set<ModelId> models) {
      if (!section.has("table")) {
        section.get("table");
        RouteTableStrategy tutorial = RouteTableStrategy.tutorialDefaults();
        Set<ModelId> missing = new TreeSet<>(tutorial.models());
        missing.removeAll(models);
        if (missing.isEmpty() || models.isEmpty()) {
          return tutorial;
        }
        if (section.string("strategy", RouteTableStrategy.NAME).contains(RouteTableStrategy.NAME)) {
          section.error("table is missing: without one, the tutorial's table applies, which needs models "
              + missing + "; write a table over your models");
          return null;
        }
        // the table is not consulted; any valid one will do
        return RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL,
            List.copyOf(new TreeSet<>(models))).build();
      }
      RouteTableStrategy.Builder builder = RouteTableStrategy.builder();
      ConfigNode tableSection = section.section("table");
      boolean complete = true;
      for (Map.Entry<String, ConfigNode> task : namedRows(tableSection).entrySet()) {
        ConfigNode rows = task.getValue();
        for (String priorityName : rows.keys()) {
          Optional<Priority> priority = Priority.parse(priorityName);
          if (priority.isEmpty()) {
            continue; // reported as an unknown key below
          }
          List<ModelId> row = new ArrayList<>();
          for (ConfigNode item : rows.textItems(priorityName)) {
            Optional<ModelId> model = modelReference(item, models);
            if (model.isPresent() && specs.containsKey(model.get()) && specs.get(model.get()).isEmbedding()) {
              item.error("is an embedding model: routes plan chat requests; clients name an embedding model in "
                  + "POST /v1/embeddings");
              model = Optional.empty();
            }
            model.ifPresent(row::add);
            complete &= model.isPresent();
          }
          boolean added = attempt(rows, () -> builder.route(TaskType.of(task.getKey()), priority.get(), row));
          complete &= added;
        }
        rows.rejectUnknownKeys(Set.of("fast", "normal", "high"));
      }
      if (!complete) {
        return null;
      }
      RouteTableStrategy[] built = new RouteTableStrategy[1];
      return attempt(tableSection, () -> built[0] = builder.build()) ? built[0] : null;
    }

    private static Map<String, ConfigNode> namedRows(ConfigNode table) {
      Map<String, ConfigNode> rows = new LinkedHashMap<>();
      for (String task : table.keys()) {
        rows.put(task, table.section(task));
      }
      return rows;
    }

    private Optional<ModelId> modelReference(ConfigNode item, Set<ModelId> models) {
      Optional<String> name = item.text().map(String::strip);
      if (name.isEmpty()) {
        return Optional.empty();
      }
      if (!models.contains(ModelId.of(name.get()))) {
        item.error("unknown model" + suggest(name.get()));
        return Optional.empty();
      }
      return Optional.of(ModelId.of(name.get()));
    }

    private String suggest(String name) {
      String suggestion = ConfigNode.closest(name, listedModels);
      return (suggestion == null ? "" : "; did you mean " + suggestion + "?")
          + (listedModels.isEmpty() ? "" : " (models: " + String.join(", ", listedModels) + ")");
    }

    private RouterSettings settings() {
      RouterSettings defaults = RouterSettings.defaults();
      ConfigNode timeouts = root.section("timeouts");
      Duration deadline = timeouts.duration("deadline", defaults.deadline());
      Duration attempt = timeouts.duration("attempt", defaults.attemptTimeout());
      timeouts.rejectUnknownKeys();

      ConfigNode retrySection = root.section("retry");
      RetryConfig retryDefaults = RetryConfig.defaults();
      int rounds = retrySection.integer("rounds", retryDefaults.rounds(), 1, 100);
      Duration initial = retrySection.duration("initial_backoff", retryDefaults.initialBackoff());
      Duration max = retrySection.duration("max_backoff", retryDefaults.maxBackoff());
      double jitter = retrySection.decimal("jitter", retryDefaults.jitter(), 0, 1);
      double budgetRatio = retrySection.decimal("budget_ratio", retryDefaults.budgetRatio(), 0, 1_000);
      int budgetMinimum = retrySection.integer("budget_minimum", retryDefaults.budgetMinimum(), 0, 1_000_000);
      Duration budgetWindow = retrySection.duration("budget_window", retryDefaults.budgetWindow());
      Duration maxRetryAfter = retrySection.duration("max_retry_after", retryDefaults.maxRetryAfter());
      Duration defaultRetryAfter = retrySection.duration("default_retry_after", defaults.defaultRetryAfter());
      retrySection.rejectUnknownKeys();
      RetryConfig retry = build(retrySection, () -> new RetryConfig(rounds, initial, max, jitter, budgetRatio,
          budgetMinimum, budgetWindow, maxRetryAfter), retryDefaults);

      ConfigNode circuitSection = root.section("circuit");
      CircuitBreakerConfig circuitDefaults = CircuitBreakerConfig.defaults();
      int consecutive = circuitSection.integer("consecutive_failures", circuitDefaults.consecutiveFailures(), 1,
          1_000);
      double rate = circuitSection.decimal("failure_rate_threshold", circuitDefaults.failureRateThreshold(), 0, 1);
      int window = circuitSection.integer("sliding_window_size", circuitDefaults.slidingWindowSize(), 1,
          CircuitBreakerConfig.MAX_WINDOW);
      int minimumCalls = circuitSection.integer("minimum_calls", circuitDefaults.minimumCalls(), 1,
          CircuitBreakerConfig.MAX_WINDOW);
      Duration recovery = circuitSection.duration("recovery_time", circuitDefaults.recoveryTime());
      double multiplier = circuitSection.decimal("recovery_multiplier", circuitDefaults.recoveryMultiplier(), 1,
          1_000);
      Duration maxRecovery = circuitSection.duration("max_recovery_time", circuitDefaults.maxRecoveryTime());
      int probes = circuitSection.integer("half_open_probes", circuitDefaults.halfOpenProbes(), 1, 1_000);
      AllOpenPolicy allOpen = circuitSection.choice("when_all_open", AllOpenPolicy.class, defaults.allOpenPolicy());
      circuitSection.rejectUnknownKeys();
      CircuitBreakerConfig circuit = build(circuitSection, () -> new CircuitBreakerConfig(consecutive, rate, window,
          minimumCalls, recovery, multiplier, maxRecovery, probes), circuitDefaults);
      return new RouterSettings(deadline, attempt, retry, circuit, allOpen, defaultRetryAfter);
    }

    private Optional<HedgingConfig> hedging(ConfigNode section) {
      boolean enabled = section.bool("enabled", false);
      HedgingConfig defaults = HedgingConfig.atP95();
      Optional<ConfigNode> delayNode = section.get("delay");
      boolean atP95 = delayNode.isEmpty() || delayNode.get().text().map(t -> t.strip().equalsIgnoreCase("p95"))
          .orElse(true);
      Duration delay = atP95 ? null : delayNode.get().durationValue().orElse(null);
      double ratio = section.decimal("budget_ratio", defaults.budgetRatio(), 0, 1);
      int minimum = section.integer("budget_minimum", defaults.budgetMinimum(), 0, 1_000_000);
      Duration window = section.duration("budget_window", defaults.budgetWindow());
      section.rejectUnknownKeys();
      if (!enabled) {
        return Optional.empty();
      }
      return Optional.ofNullable(build(section, () -> new HedgingConfig(delay, ratio, minimum, window), null));
    }

    private ConfigFile.Alerts alerts(ConfigNode section) {
      AlertRules defaults = AlertRules.defaults();
      Duration latency = section.duration("p95_latency", defaults.p95LatencyThreshold());
      double errorRate = section.decimal("error_rate", defaults.errorRateThreshold(), 0, 0.999_999);
      long minimumCalls = section.longValue("error_rate_min_calls", defaults.errorRateMinimumCalls(), 1,
          Long.MAX_VALUE);
      int consecutive = section.integer("consecutive_failures", defaults.consecutiveFailuresThreshold(), 1, 1_000);
      double resolve = section.decimal("resolve_fraction", defaults.resolveFraction(), 0.01, 1);
      boolean log = section.bool("log", true);
      section.rejectUnknownKeys();
      AlertRules rules = build(section, () -> new AlertRules(latency, errorRate, minimumCalls, consecutive, resolve),
          defaults);
      return new ConfigFile.Alerts(rules, log);
    }

    private List<BudgetCap> budgets(ConfigNode section) {
      List<BudgetCap> caps = new ArrayList<>();
      Map<String, Integer> names = new LinkedHashMap<>();
      for (ConfigNode item : section.list("caps")) {
        Optional<String> name = item.requiredString("name");
        Optional<String> tag = item.string("tag");
        Optional<BigDecimal> limit = item.decimal("daily_limit_usd");
        if (limit.isEmpty() && !item.has("daily_limit_usd")) {
          item.missing("daily_limit_usd");
        }
        BudgetCap.Action action = item.choice("action", BudgetCap.Action.class, BudgetCap.Action.REJECT);
        Optional<BigDecimal> ceiling = item.decimal("max_output_price");
        item.rejectUnknownKeys();
        if (action == BudgetCap.Action.RESTRICT && ceiling.isEmpty()) {
          item.error("action", "restrict needs max_output_price, the highest output price (USD per 1M tokens) "
              + "a model may have to still be tried");
        }
        if (name.isPresent() && names.putIfAbsent(name.get(), item.line()) != null) {
          item.error("name", "is given twice (also on line " + names.get(name.get()) + ")");
        }
        if (limit.isPresent() && limit.get().signum() == 0) {
          item.error("daily_limit_usd", "must be more than zero");
          continue;
        }
        if (name.isEmpty() || limit.isEmpty()) {
          continue;
        }
        BudgetCap cap = build(item, () -> {
          BudgetCap base = new BudgetCap(name.get(), tag.orElse(null), Money.ofUsd(limit.get()),
              BudgetCap.Action.REJECT, 0);
          return action == BudgetCap.Action.RESTRICT && ceiling.isPresent()
              ? base.restrictingToOutputPriceAtMost(ceiling.get().toPlainString()) : base;
        }, null);
        if (cap != null) {
          caps.add(cap);
        }
      }
      section.rejectUnknownKeys();
      return caps;
    }

    /** {@code cache}: off unless {@code enabled}; then every route named in {@code routes} (or {@code *}). */
    private CacheSettings cache(ConfigNode section) {
      boolean enabled = section.bool("enabled", false);
      Set<String> routes = new LinkedHashSet<>();
      for (ConfigNode item : section.textItems("routes")) {
        item.text().ifPresent(routes::add);
      }
      Duration ttl = section.duration("ttl", CacheSettings.DEFAULT_TTL);
      long maxBytes = section.byteSize("max_size", CacheSettings.DEFAULT_MAX_BYTES);
      boolean shared = section.bool("shared", false);
      section.rejectUnknownKeys();
      return build(section, () -> new CacheSettings(enabled, routes, ttl, maxBytes, shared), CacheSettings.OFF);
    }

    /**
     * {@code telemetry}: traces are off unless {@code otlp.endpoint} names a collector; the
     * export's headers come from the variable {@code otlp.headers_env} names, as {@code
     * name=value} pairs separated by commas (the form of {@code OTEL_EXPORTER_OTLP_HEADERS}).
     */
    private TelemetrySettings telemetry(ConfigNode section) {
      boolean capture = section.bool("capture_content", false);
      ConfigNode otlp = section.section("otlp");
      otlp.rejectSecretInClear("headers", "headers_env");
      URI endpoint = null;
      Optional<String> url = otlp.string("endpoint");
      if (url.isPresent()) {
        try {
          endpoint = new URI(url.get().strip());
          if (endpoint.getScheme() == null || !endpoint.getScheme().matches("(?i)https?") || endpoint.getHost() == null) {
            otlp.error("endpoint", "expected the collector's http:// or https:// URL, such as http://localhost:4318");
            endpoint = null;
          }
        } catch (java.net.URISyntaxException e) {
          otlp.error("endpoint", "not a URL; expected the collector's URL, such as http://localhost:4318");
        }
      } else if (section.has("otlp")) {
        otlp.error("endpoint", "is required for otlp (the collector's OTLP/HTTP URL, such as http://localhost:4318)");
      }
      Map<String, String> headers = new LinkedHashMap<>();
      String variable = null;
      Optional<ConfigNode.Secret> secret = otlp.secretFromEnvironment("headers_env");
      if (secret.isPresent()) {
        variable = secret.get().variable();
        String problem = otlpHeaders(secret.get().value(), headers);
        if (problem != null) {
          otlp.error("headers_env", "the variable " + variable + " " + problem);
        }
      }
      double ratio = otlp.decimal("sample_ratio", TelemetrySettings.DEFAULT_SAMPLE_RATIO, 0, 1);
      otlp.rejectUnknownKeys();
      section.rejectUnknownKeys();
      if (endpoint == null) {
        return capture || section.has("otlp")
            ? new TelemetrySettings(null, Map.of(), null, ratio, capture) : TelemetrySettings.OFF;
      }
      URI checked = endpoint;
      String named = variable;
      return build(otlp, () -> new TelemetrySettings(checked, headers, named, ratio, capture), TelemetrySettings.OFF);
    }

    /** Parses {@code a=b,c=d} into {@code headers}; a problem that names no value, or {@code null}. */
    private static String otlpHeaders(String value, Map<String, String> headers) {
      for (String pair : value.split(",")) {
        if (pair.isBlank()) {
          continue;
        }
        int equals = pair.indexOf('=');
        String name = equals < 0 ? "" : pair.substring(0, equals).strip();
        if (equals < 0 || !name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
          return "must hold name=value pairs separated by commas, such as Authorization=Bearer …";
        }
        String text = java.net.URLDecoder.decode(pair.substring(equals + 1).strip(),
            java.nio.charset.StandardCharsets.UTF_8);
        if (text.chars().anyMatch(c -> c == '\r' || c == '\n')) {
          return "holds a line break in the value of header " + name;
        }
        headers.put(name, text);
      }
      return null;
    }

    private ConfigFile.Deferred deferred(ConfigNode section) {
      boolean enabled = section.bool("enabled", true);
      int capacity = section.integer("capacity", InMemoryDeferredQueue.DEFAULT_CAPACITY, 1, 10_000_000);
      int retention = section.integer("retention", InMemoryDeferredQueue.DEFAULT_TERMINAL_RETENTION, 0,
          10_000_000);
      int perClient = section.integer("max_per_client", ConfigFile.Deferred.DEFAULT_MAX_PER_CLIENT, 1,
          10_000_000);
      long bytesPerClient = section.byteSize("max_bytes_per_client",
          ConfigFile.Deferred.DEFAULT_MAX_BYTES_PER_CLIENT);
      DeferredSettings settings = deferredSettings(section);
      section.rejectUnknownKeys();
      return new ConfigFile.Deferred(enabled, capacity, retention, perClient, bytesPerClient, settings);
    }

    /** {@code deferred.replay} and {@code deferred.callbacks}. */
    private DeferredSettings deferredSettings(ConfigNode deferred) {
      ConfigNode section = deferred.section("replay");
      ReplayPolicy defaults = ReplayPolicy.DEFAULT;
      boolean enabled = section.bool("enabled", true);
      Duration interval = section.duration("interval", defaults.idlePoll());
      int maxAttempts = section.integer("max_attempts", defaults.maxReplays(), 1, 1_000);
      ConfigNode backoff = section.section("backoff");
      Duration initial = backoff.duration("initial", defaults.initialBackoff());
      Duration max = backoff.duration("max", defaults.maxBackoff());
      backoff.rejectUnknownKeys();
      Duration lease = section.duration("lease", defaults.lease());
      section.rejectUnknownKeys();
      ReplayPolicy policy = build(section, () -> new ReplayPolicy(initial, max, maxAttempts, defaults.batchSize(),
          interval, lease), defaults);

      ConfigNode callbacks = deferred.section("callbacks");
      Set<String> hosts = new LinkedHashSet<>();
      for (ConfigNode item : callbacks.textItems("allowed_hosts")) {
        item.text().ifPresent(host -> {
          String normal = host.strip().toLowerCase(java.util.Locale.ROOT);
          if (normal.isEmpty() || normal.length() > 253 || !normal.matches("[a-z0-9.\\-]+|\\[[0-9a-f:.]+\\]")) {
            item.error("expected a host name, such as hooks.example.com");
          } else {
            hosts.add(normal);
          }
        });
      }
      int attempts = callbacks.integer("max_attempts", DeferredSettings.AUTOMATIC.callbackAttempts(), 1, 20);
      Duration timeout = callbacks.duration("timeout", DeferredSettings.AUTOMATIC.callbackTimeout());
      callbacks.rejectUnknownKeys();
      return new DeferredSettings(enabled, policy, hosts, attempts, timeout);
    }

    private ConfigFile.State state(ConfigNode section) {
      ConfigFile.State.Store store = section.choice("store", ConfigFile.State.Store.class,
          ConfigFile.State.Store.FILE);
      String path = section.string("path", ConfigFile.State.DEFAULT_PATH.toString());
      java.nio.file.Path directory = null;
      try {
        directory = java.nio.file.Path.of(path);
      } catch (java.nio.file.InvalidPathException e) {
        section.error("path", "not a valid directory path");
      }
      long maxSize = section.byteSize("max_size", 0);
      Duration commit = section.duration("commit_interval", ConfigFile.State.DEFAULT_COMMIT_INTERVAL);
      if (commit.compareTo(Duration.ofSeconds(10)) > 0) {
        section.error("commit_interval", "at most 10s: a crash loses the spend of one interval");
      }
      RedisSettings redis = null;
      FleetSettings fleet = FleetSettings.DEFAULTS;
      if (store == ConfigFile.State.Store.REDIS) {
        redis = redis(section);
        fleet = fleet(section);
      } else {
        for (String key : REDIS_KEYS) {
          if (section.has(key)) {
            section.error(key, "only for store: redis");
          }
        }
      }
      section.rejectUnknownKeys();
      if (redis == null && store == ConfigFile.State.Store.REDIS) {
        // the problem is recorded; a placeholder keeps the record valid until the errors are reported
        redis = RedisSettings.of("redis://127.0.0.1:6379");
      }
      return new ConfigFile.State(store, directory != null ? directory : ConfigFile.State.DEFAULT_PATH,
          maxSize, commit, redis, fleet);
    }

    private static final List<String> REDIS_KEYS = List.of("uri", "password_env", "tls", "prefix", "timeout",
        "instances", "on_store_failure", "circuit_sync");

    private RedisSettings redis(ConfigNode section) {
      if (!section.has("uri")) {
        section.error("uri", "is required for store: redis (for example redis://localhost:6379/0, rediss:// for TLS,"
            + " or redis-sentinel://sentinel1:26379,sentinel2:26379/0#mymaster)");
        return null;
      }
      section.rejectSecretInClear("password", "password_env");
      String uri = section.string("uri", "");
      RedisSettings settings;
      try {
        settings = RedisSettings.of(uri);
      } catch (IllegalArgumentException e) {
        section.error("uri", e.getMessage());
        return null;
      }
      Optional<ConfigNode.Secret> password = section.secretFromEnvironment("password_env");
      if (password.isPresent()) {
        settings = settings.withPassword(password.get().value().toCharArray());
      }
      settings = settings.withTls(section.bool("tls", false));
      String prefix = section.string("prefix", RedisSettings.DEFAULT_PREFIX);
      try {
        settings = settings.withPrefix(prefix);
      } catch (IllegalArgumentException e) {
        section.error("prefix", e.getMessage());
      }
      Duration timeout = section.duration("timeout", RedisSettings.DEFAULT_HOT_PATH_TIMEOUT);
      try {
        settings = settings.withHotPathTimeout(timeout);
      } catch (IllegalArgumentException e) {
        section.error("timeout", "how long a request may wait for Redis: " + e.getMessage());
      }
      return settings;
    }

    private FleetSettings fleet(ConfigNode section) {
      int instances = section.integer("instances", 1, 1, 10_000);
      FleetSettings.OnStoreFailure onFailure = section.choice("on_store_failure", FleetSettings.OnStoreFailure.class,
          FleetSettings.OnStoreFailure.LOCAL);
      Duration sync = section.duration("circuit_sync", FleetSettings.DEFAULTS.circuitSync());
      if (sync.compareTo(Duration.ofMillis(10)) < 0 || sync.compareTo(Duration.ofSeconds(60)) > 0) {
        section.error("circuit_sync", "between 10ms and 60s");
        sync = FleetSettings.DEFAULTS.circuitSync();
      }
      return new FleetSettings(instances, onFailure, sync);
    }

    private static boolean isLoopback(String host) {
      return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    /** Runs a constructor that validates, reporting its complaint at {@code section}. */
    private static <T> T build(ConfigNode section, Supplier<T> constructor, T fallback) {
      try {
        return constructor.get();
      } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
        section.rejected(e);
        return fallback;
      }
    }

    private static boolean attempt(ConfigNode at, Runnable action) {
      try {
        action.run();
        return true;
      } catch (IllegalArgumentException | IllegalStateException e) {
        at.rejected(e);
        return false;
      }
    }
  }
}
