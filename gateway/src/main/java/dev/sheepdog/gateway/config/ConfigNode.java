package dev.sheepdog.gateway.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * A line-aware view of one part of a configuration file: a section, a list item or a value.
 * Provider types read their own keys through it.
 *
 * <p>Readers never throw on bad input: they record a {@link ConfigProblem} naming the file, the
 * line and the field path, and return the default (or empty), so that one load reports every
 * problem. A key counts as known once something asked for it; {@link #rejectUnknownKeys()} then
 * reports the others, suggesting the closest known key.
 *
 * <p>Scalar values go through environment substitution first: {@code ${NAME}} is the variable's
 * value, {@code ${NAME:-fallback}} falls back when it is unset or empty, {@code $${} is a literal
 * {@code ${}. An unset variable without a fallback is a problem naming it. Names of variables are
 * upper case ({@code [A-Z_][A-Z0-9_]*}); anything else is refused without being repeated.
 *
 * <p>Problems never repeat a value from the file or the environment, which may be a key pasted in
 * the wrong place: the readers show only a number written in the file ({@code must be between 0
 * and 65535, was 70000}), and a problem about a value that came from {@code ${NAME}} says so
 * instead of showing it. As a last guard, every value that came from the environment is blanked
 * out of every message, whoever wrote it. Messages may name keys (they are in the field's path
 * anyway) and names Sheepdog knows, such as provider types.
 *
 * <p>Not thread-safe; used while loading only.
 */
public final class ConfigNode {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\$\\{|\\$\\{([^}:]*)(?::-([^}]*))?}");
  private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Z_][A-Z0-9_]*");
  // a pasted key rather than a name: upper-case hex or base32, long, letters and digits, no word breaks
  private static final Pattern KEY_LIKE_NAME = Pattern.compile("(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{16,}");
  private static final Pattern PLAIN_NUMBER = Pattern.compile("[-+]?[0-9][0-9_,]*(\\.[0-9]+)?%?");
  // a number as a constructor may print it: 0.987, PT0.987S, 1E+3
  private static final Pattern NUMBER_IN_MESSAGE = Pattern.compile("(?<![A-Za-z0-9_])(PT)?[-+]?[0-9][A-Za-z0-9.,_+]*");
  // environment values shorter than this are not taken for secrets by the last guard
  private static final int SECRET_MIN_LENGTH = 8;
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");

  private final Node node;
  private final String path;
  private final Source source;
  private final Set<String> read = new LinkedHashSet<>();
  private Map<String, NodeTuple> entries;
  // where an absent section (node == null) reports its problems: the line of its parent
  private int lineOverride;

  private ConfigNode(Node node, String path, Source source) {
    this.node = node;
    this.path = path;
    this.source = source;
  }

  static ConfigNode root(Node node, String file, UnaryOperator<String> environment) {
    return new ConfigNode(node, "", new Source(file, environment));
  }

  /** The field path, such as {@code providers.openai} or {@code models[2]}; empty at the root. */
  public String path() {
    return path;
  }

  /** The 1-based line this part starts on. */
  public int line() {
    return line(node);
  }

  /** The file, as it was named when loaded. */
  public String file() {
    return source.file;
  }

  /** Whether this part is a mapping that holds {@code key}; does not count as reading it. */
  public boolean has(String key) {
    return entries().containsKey(key);
  }

  /** The keys of this mapping, in file order. */
  public Set<String> keys() {
    return entries().keySet();
  }

  // --- reading ---

  /** The value under {@code key}, whatever its shape, or empty when absent or null. */
  public Optional<ConfigNode> get(String key) {
    read.add(key);
    NodeTuple tuple = entries().get(key);
    if (tuple == null || isNull(tuple.getValueNode())) {
      return Optional.empty();
    }
    return Optional.of(new ConfigNode(tuple.getValueNode(), join(key), source));
  }

  /** The mapping under {@code key}, or an empty one when absent (so that its defaults apply). */
  public ConfigNode section(String key) {
    Optional<ConfigNode> child = get(key);
    if (child.isPresent() && child.get().isMapping()) {
      return child.get();
    }
    child.ifPresent(value -> value.error("expected a section (a mapping of keys to values), " + value.shape()));
    ConfigNode empty = new ConfigNode(null, join(key), source);
    empty.lineOverride = line(child.map(c -> c.node).orElse(keyNode(key)));
    return empty;
  }

  /**
   * The entries of the mapping under {@code key}, each named by its key, such as the providers
   * by name; empty when absent.
   */
  public Map<String, ConfigNode> namedSections(String key) {
    ConfigNode parent = section(key);
    Map<String, ConfigNode> named = new LinkedHashMap<>();
    for (String name : parent.keys()) {
      named.put(name, parent.section(name));
    }
    return named;
  }

  /** The items of the list under {@code key}; empty when absent. */
  public List<ConfigNode> list(String key) {
    Optional<ConfigNode> child = get(key);
    if (child.isEmpty()) {
      return List.of();
    }
    if (!(child.get().node instanceof SequenceNode sequence)) {
      child.get().error("expected a list, " + child.get().shape());
      return List.of();
    }
    List<ConfigNode> items = new ArrayList<>();
    List<Node> values = sequence.getValue();
    for (int i = 0; i < values.size(); i++) {
      items.add(new ConfigNode(values.get(i), child.get().path + "[" + i + "]", source));
    }
    return items;
  }

  /**
   * This part as text, after environment substitution; empty (with a problem) when it is not a
   * scalar. Do not put the text in a problem's message: it may be a key.
   */
  public Optional<String> text() {
    if (!(node instanceof ScalarNode scalar)) {
      error("expected a single value, " + shape());
      return Optional.empty();
    }
    Optional<String> text = substitute(scalar.getValue());
    text.ifPresent(value -> source.reads.add(new Read(path, value.strip(), variables(node))));
    return text;
  }

  /** The text under {@code key}, or empty when absent. */
  public Optional<String> string(String key) {
    return get(key).flatMap(ConfigNode::text).map(String::strip);
  }

  public String string(String key, String defaultValue) {
    return string(key).orElse(defaultValue);
  }

  /** The text under {@code key}; a problem when absent. */
  public Optional<String> requiredString(String key) {
    Optional<String> value = string(key);
    if (value.isEmpty() && get(key).isEmpty()) {
      missing(key);
    }
    return value;
  }

  /** Text items of the list under {@code key}, each with its node for errors. */
  public List<ConfigNode> textItems(String key) {
    List<ConfigNode> items = new ArrayList<>(list(key));
    items.removeIf(item -> {
      if (item.node instanceof ScalarNode) {
        return false;
      }
      item.error("expected a single value, " + item.shape());
      return true;
    });
    return items;
  }

  public int integer(String key, int defaultValue, int min, int max) {
    return (int) longValue(key, defaultValue, min, max);
  }

  public long longValue(String key, long defaultValue, long min, long max) {
    Optional<ConfigNode> child = get(key);
    Optional<String> text = child.flatMap(ConfigNode::text);
    if (text.isEmpty()) {
      return defaultValue;
    }
    String value = text.get().strip().replace("_", "").replace(",", "");
    try {
      long parsed = Long.parseLong(value);
      if (parsed < min || parsed > max) {
        child.get().error("must be between " + min + " and " + max + child.get().was(parsed));
        return defaultValue;
      }
      return parsed;
    } catch (NumberFormatException e) {
      child.get().error(value.matches("[-+]?[0-9]+") ? "must be between " + min + " and " + max
          : "expected a whole number");
      return defaultValue;
    }
  }

  public double decimal(String key, double defaultValue, double min, double max) {
    Optional<ConfigNode> child = get(key);
    Optional<BigDecimal> value = child.flatMap(ConfigNode::decimalValue);
    if (value.isEmpty()) {
      return defaultValue;
    }
    double parsed = value.get().doubleValue();
    if (parsed < min || parsed > max) {
      child.get().error("must be between " + min + " and " + max + child.get().was(value.get()));
      return defaultValue;
    }
    return parsed;
  }

  /** A non-negative decimal such as a price, kept exact; a trailing {@code %} divides by 100. */
  public Optional<BigDecimal> decimal(String key) {
    return get(key).flatMap(ConfigNode::decimalValue);
  }

  private static final int MAX_DECIMAL_LENGTH = 64;
  private static final int MAX_DECIMAL_DIGITS = 18;

  private Optional<BigDecimal> decimalValue() {
    Optional<String> text = text();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String value = text.get().strip().replace("_", "");
    boolean percent = value.endsWith("%");
    if (value.length() > MAX_DECIMAL_LENGTH) {
      error("expected a number of at most " + MAX_DECIMAL_LENGTH + " characters");
      return Optional.empty();
    }
    try {
      BigDecimal parsed = new BigDecimal(percent ? value.substring(0, value.length() - 1).strip() : value);
      // an exponent can make a short literal a number of a billion digits: bounded before it is printed or used
      if (parsed.scale() > MAX_DECIMAL_DIGITS || parsed.precision() - parsed.scale() > MAX_DECIMAL_DIGITS) {
        error("is out of range: at most " + MAX_DECIMAL_DIGITS + " digits before and after the point");
        return Optional.empty();
      }
      if (parsed.signum() < 0) {
        error("must not be negative" + was(parsed));
        return Optional.empty();
      }
      return Optional.of(percent ? parsed.movePointLeft(2) : parsed);
    } catch (NumberFormatException e) {
      error("expected a number");
      return Optional.empty();
    }
  }

  public boolean bool(String key, boolean defaultValue) {
    Optional<ConfigNode> child = get(key);
    Optional<String> text = child.flatMap(ConfigNode::text);
    if (text.isEmpty()) {
      return defaultValue;
    }
    switch (text.get().strip().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on":
        return true;
      case "false", "no", "off":
        return false;
      default:
        child.get().error("expected true or false");
        return defaultValue;
    }
  }

  /** A duration such as {@code 250ms}, {@code 60s}, {@code 5m}, {@code 1h}, {@code 1m30s}; must be positive. */
  public Duration duration(String key, Duration defaultValue) {
    return get(key).flatMap(ConfigNode::durationValue).orElse(defaultValue);
  }

  /** Like {@link #duration(String, Duration)}, but {@code 0s} is allowed. */
  public Duration durationOrZero(String key, Duration defaultValue) {
    return get(key).flatMap(c -> c.parseDuration(true)).orElse(defaultValue);
  }

  /** This scalar as a positive duration. */
  public Optional<Duration> durationValue() {
    return parseDuration(false);
  }

  private Optional<Duration> parseDuration(boolean zeroAllowed) {
    Optional<String> text = text();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String value = text.get().strip().toLowerCase(Locale.ROOT).replace(" ", "");
    if (zeroAllowed && value.equals("0")) {
      return Optional.of(Duration.ZERO);
    }
    Matcher part = DURATION_PART.matcher(value);
    Duration total = Duration.ZERO;
    int end = 0;
    try {
      while (part.find() && part.start() == end) {
        long amount = Long.parseLong(part.group(1));
        total = total.plus(switch (part.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofDays(amount);
        });
        end = part.end();
      }
    } catch (NumberFormatException | ArithmeticException e) {
      error("is too long for a duration");
      return Optional.empty();
    }
    if (end == 0 || end != value.length()) {
      error("expected a duration such as 250ms, 60s, 5m or 1h");
      return Optional.empty();
    }
    if (total.isZero() && !zeroAllowed) {
      error("must be longer than zero");
      return Optional.empty();
    }
    return Optional.of(total);
  }

  /** A size in bytes such as {@code 1MiB}, {@code 512KiB}, {@code 2MB} or {@code 1048576}; positive. */
  public long byteSize(String key, long defaultValue) {
    Optional<ConfigNode> child = get(key);
    Optional<String> text = child.flatMap(ConfigNode::text);
    if (text.isEmpty()) {
      return defaultValue;
    }
    Matcher size = SIZE.matcher(text.get().strip());
    if (!size.matches()) {
      child.get().error("expected a size such as 1MiB, 512KiB or 1048576 (bytes)");
      return defaultValue;
    }
    long unit = switch (size.group(2) == null ? "B" : size.group(2)) {
      case "KB" -> 1_000L;
      case "KiB" -> 1L << 10;
      case "MB" -> 1_000_000L;
      case "MiB" -> 1L << 20;
      case "GB" -> 1_000_000_000L;
      case "GiB" -> 1L << 30;
      default -> 1L;
    };
    long bytes;
    try {
      bytes = Math.multiplyExact(Long.parseLong(size.group(1)), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      child.get().error("is too large for a size in bytes");
      return defaultValue;
    }
    if (bytes < 1) {
      child.get().error("must be at least 1 byte");
      return defaultValue;
    }
    return bytes;
  }

  /** One of {@code constants}, by lower-case name ({@code fail_fast} for {@code FAIL_FAST}). */
  public <E extends Enum<E>> E choice(String key, Class<E> type, E defaultValue) {
    Optional<ConfigNode> child = get(key);
    Optional<String> text = child.flatMap(ConfigNode::text);
    if (text.isEmpty()) {
      return defaultValue;
    }
    String wanted = text.get().strip().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(wanted)) {
        return constant;
      }
    }
    List<String> names = new ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      names.add(constant.name().toLowerCase(Locale.ROOT));
    }
    String suggestion = closest(text.get().strip(), new LinkedHashSet<>(names));
    child.get().error("unknown value" + (suggestion == null ? "" : "; did you mean " + suggestion + "?")
        + " (expected one of " + String.join(", ", names) + ")");
    return defaultValue;
  }

  /**
   * The name of an environment variable under {@code key}; a problem, which does not repeat it, when
   * it is not an upper-case name or looks like a key pasted in by mistake.
   */
  public Optional<String> variableName(String key) {
    Optional<ConfigNode> child = get(key);
    return child.flatMap(ConfigNode::variableNameValue);
  }

  /** This scalar as the name of an environment variable. */
  public Optional<String> variableNameValue() {
    Optional<String> text = text();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String name = text.get().strip();
    String problem = variableNameProblem(name, exampleVariable(path.substring(path.lastIndexOf('.') + 1))
        .replace("[", "").replace("]", ""));
    if (problem != null) {
      error(problem);
      return Optional.empty();
    }
    return Optional.of(name);
  }

  /**
   * The value of the environment variable named under {@code key} (a secret such as an API key),
   * or empty when the key is absent. An unset or blank variable is a problem naming the variable.
   */
  public Optional<Secret> secretFromEnvironment(String key) {
    Optional<ConfigNode> child = get(key);
    return child.flatMap(ConfigNode::secretValue);
  }

  /**
   * Like {@link #secretFromEnvironment(String)}, but when {@code key} is absent the variable is
   * {@code defaultVariable}, the one a provider type reads by default; its problems are reported at
   * this section.
   */
  public Optional<Secret> secretFromEnvironment(String key, String defaultVariable) {
    if (has(key)) {
      return secretFromEnvironment(key);
    }
    read.add(key);
    if (!isVariableName(defaultVariable)) {
      error("the default " + key + " of this type is not the name of an environment variable (it is not "
          + "shown, in case it is a key); name a variable with " + key);
      return Optional.empty();
    }
    String value = source.environment.apply(defaultVariable);
    if (value == null || value.isBlank()) {
      error("environment variable " + defaultVariable + " is not set (the default " + key + " of this type); "
          + "export it, or name another variable with " + key);
      return Optional.empty();
    }
    source.remember(value);
    return Optional.of(new Secret(defaultVariable, value.strip()));
  }

  /** The value of the environment variable this scalar names. */
  public Optional<Secret> secretValue() {
    Optional<String> name = variableNameValue();
    if (name.isEmpty()) {
      return Optional.empty();
    }
    String value = source.environment.apply(name.get());
    if (value == null || value.isBlank()) {
      // a name that came from ${...} is a value from the environment like any other
      String variable = substituted() ? "the environment variable named here" : "environment variable " + name.get();
      error(variable + " is not set" + (value == null ? "" : " (it is empty)")
          + "; export it before starting Sheepdog");
      return Optional.empty();
    }
    source.remember(value);
    return Optional.of(new Secret(name.get(), value.strip()));
  }

  /**
   * Refuses a secret written in the file under {@code key}, telling to name an environment
   * variable under {@code envKey} instead. The value is never repeated.
   */
  public void rejectSecretInClear(String key, String envKey) {
    if (!entries().containsKey(key)) {
      return;
    }
    read.add(key);
    NodeTuple tuple = entries().get(key);
    problem(tuple.getKeyNode(), join(key), "keys must not be written in the config file: put the key in an "
        + "environment variable and name it with " + envKey + ": (for example " + envKey + ": "
        + exampleVariable(envKey) + ")");
  }

  private static String exampleVariable(String envKey) {
    return envKey.startsWith("admin") ? "SHEEPDOG_ADMIN_KEY"
        : envKey.startsWith("client") ? "[SHEEPDOG_CLIENT_KEY]" : "MY_PROVIDER_API_KEY";
  }

  /** Why {@code name} is not the name of an environment variable, without repeating it; null when it is one. */
  private static String variableNameProblem(String name, String example) {
    if (!isUpperCaseName(name)) {
      return "expected the name of an environment variable, in upper case: letters, digits and _, such as "
          + example + " (what is written is not shown, in case it is a key: put the key in a variable and "
          + "name the variable here)";
    }
    if (looksLikeKey(name)) {
      return "looks like a key, not the name of an environment variable, so it is not shown: put the key in "
          + "a variable such as " + example + " and name the variable here";
    }
    return null;
  }

  private static boolean isUpperCaseName(String name) {
    return VARIABLE_NAME.matcher(name).matches();
  }

  private static boolean looksLikeKey(String name) {
    return KEY_LIKE_NAME.matcher(name).matches();
  }

  private static boolean isVariableName(String name) {
    return isUpperCaseName(name) && !looksLikeKey(name);
  }

  /** The value of an environment variable, from the environment the file is loaded with. */
  public String environment(String variable) {
    return source.environment.apply(variable);
  }

  // --- problems ---

  /**
   * Records a problem at this part. Say what is wrong without repeating the value, which may be a
   * key; when it came from {@code ${NAME}}, the message says so.
   */
  public void error(String message) {
    problem(node, path, message + notShown(node));
  }

  /** Records a problem at the value of {@code key} (or at this part when the key is absent). */
  public void error(String key, String message) {
    NodeTuple tuple = entries().get(key);
    Node at = tuple == null ? node : tuple.getValueNode();
    problem(at, join(key), message + notShown(at));
  }

  /**
   * Records the complaint of a validating constructor about the values read under this part (a
   * record's compact constructor, a builder). Its message was not written with secrets in mind, so
   * every value read under this part that may not be shown is blanked out of it first; when one
   * came from the environment, so is every number, which the constructor may have printed in
   * another form ({@code PT0.9S} for {@code 900ms}).
   */
  public void rejected(RuntimeException e) {
    String message = String.valueOf(e.getMessage());
    List<String> hidden = new ArrayList<>();
    Set<String> variables = new LinkedHashSet<>();
    for (Read value : source.reads) {
      if (isUnder(value.path())) {
        variables.addAll(value.variables());
        if (!value.variables().isEmpty() || !PLAIN_NUMBER.matcher(value.text()).matches()) {
          hidden.add(value.text());
        }
      }
    }
    hidden.sort(Comparator.comparingInt(String::length).reversed());
    for (String value : hidden) {
      message = blankOut(message, value);
    }
    if (!variables.isEmpty()) {
      message = NUMBER_IN_MESSAGE.matcher(message).replaceAll("…") + " (values from "
          + String.join(", ", variables) + " are not shown)";
    }
    problem(node, path, message);
  }

  /** Records that a required {@code key} is missing. */
  public void missing(String key) {
    problem(node, join(key), "is required but missing");
  }

  /** Reports every key of this mapping that nothing has read, suggesting the closest known one. */
  public void rejectUnknownKeys() {
    rejectUnknownKeys(Set.of());
  }

  /** Like {@link #rejectUnknownKeys()}, also suggesting {@code alsoKnown}. */
  public void rejectUnknownKeys(Set<String> alsoKnown) {
    Set<String> known = new LinkedHashSet<>(read);
    known.addAll(alsoKnown);
    for (Map.Entry<String, NodeTuple> entry : entries().entrySet()) {
      if (!known.contains(entry.getKey())) {
        String suggestion = closest(entry.getKey(), known);
        problem(entry.getValue().getKeyNode(), join(entry.getKey()), "unknown key"
            + (suggestion == null ? "" : "; did you mean " + suggestion + "?")
            + " (known: " + known.stream().sorted().collect(Collectors.joining(", ")) + ")");
      }
    }
  }

  boolean hasProblems() {
    return !source.problems.isEmpty();
  }

  List<ConfigProblem> problems() {
    List<ConfigProblem> sorted = new ArrayList<>();
    for (ConfigProblem problem : source.problems) {
      // only now is every value from the environment known
      sorted.add(new ConfigProblem(problem.file(), problem.line(), problem.path(),
          source.withoutSecrets(problem.message())));
    }
    sorted.sort(Comparator.comparingInt(ConfigProblem::line));
    return sorted;
  }

  /** Whether this value came, wholly or partly, from {@code ${NAME}}. */
  boolean substituted() {
    return !variables(node).isEmpty();
  }

  // --- internals ---

  private Node keyNode(String key) {
    NodeTuple tuple = entries().get(key);
    return tuple == null ? node : tuple.getKeyNode();
  }

  private boolean isMapping() {
    return node instanceof MappingNode;
  }

  private Map<String, NodeTuple> entries() {
    if (entries == null) {
      entries = new LinkedHashMap<>();
      if (node instanceof MappingNode mapping) {
        for (NodeTuple tuple : mapping.getValue()) {
          String key = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : null;
          if (key == null) {
            problem(tuple.getKeyNode(), path, "keys must be plain names");
          } else if (entries.putIfAbsent(key, tuple) != null) {
            problem(tuple.getKeyNode(), join(key), "is given twice (also on line " + line(entries.get(key)
                .getKeyNode()) + ")");
          }
        }
      }
    }
    return entries;
  }

  private Optional<String> substitute(String raw) {
    Matcher matcher = VARIABLE.matcher(raw);
    StringBuilder out = new StringBuilder();
    boolean complete = true;
    while (matcher.find()) {
      String replacement;
      if (matcher.group().equals("$${")) {
        replacement = "${";
      } else {
        String name = matcher.group(1).strip();
        String fallback = matcher.group(2);
        String value = isVariableName(name) ? source.environment.apply(name) : null;
        if (!isUpperCaseName(name)) {
          problem(node, path, "${…} does not name an environment variable: names are upper case, letters, "
              + "digits and _, such as ${MY_VARIABLE} (what is inside the braces is not shown, in case it is "
              + "a key)");
          complete = false;
          replacement = "";
        } else if (looksLikeKey(name)) {
          problem(node, path, "${…} holds what looks like a key, not the name of an environment variable, so "
              + "it is not shown: put the key in a variable such as MY_PROVIDER_API_KEY and write "
              + "${MY_PROVIDER_API_KEY}");
          complete = false;
          replacement = "";
        } else if (value != null && !value.isEmpty()) {
          source.remember(value);
          replacement = value;
        } else if (fallback != null) {
          replacement = fallback;
        } else {
          problem(node, path, "environment variable " + name + " is not set (used as ${" + name + "}; "
              + "export it or give a fallback with ${" + name + ":-value})");
          complete = false;
          replacement = "";
        }
      }
      matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(out);
    if (!complete) {
      return Optional.empty();
    }
    if (!variables(node).isEmpty()) {
      source.remember(out.toString());
    }
    return Optional.of(out.toString());
  }

  /** {@code ${NAME}} for each variable this scalar names, {@code ${…}} for what names none. */
  private static Set<String> variables(Node at) {
    Set<String> variables = new LinkedHashSet<>();
    if (at instanceof ScalarNode scalar) {
      Matcher matcher = VARIABLE.matcher(scalar.getValue());
      while (matcher.find()) {
        if (!matcher.group().equals("$${")) {
          String name = matcher.group(1).strip();
          variables.add(isVariableName(name) ? "${" + name + "}" : "${…}");
        }
      }
    }
    return variables;
  }

  /** What a message about the value at {@code at} says instead of the value, when it came from the environment. */
  private static String notShown(Node at) {
    Set<String> variables = variables(at);
    return variables.isEmpty() ? ""
        : " (the value comes from " + String.join(", ", variables) + " and is not shown)";
  }

  /**
   * {@code ", was 70000"}: a number shows when it was written in the file. One from the environment
   * does not; {@link #error(String)} says where it came from instead.
   */
  private String was(Number parsed) {
    if (substituted()) {
      return "";
    }
    return ", was " + (parsed instanceof BigDecimal decimal ? decimal.toPlainString() : parsed.toString());
  }

  private boolean isUnder(String readPath) {
    return path.isEmpty() || readPath.equals(path) || readPath.startsWith(path + ".")
        || readPath.startsWith(path + "[");
  }

  /** {@code message} with each occurrence of {@code value} that is a whole word replaced by an ellipsis. */
  private static String blankOut(String message, String value) {
    if (value.isEmpty()) {
      return message;
    }
    StringBuilder out = new StringBuilder();
    int copied = 0;
    int at = message.indexOf(value);
    while (at >= 0) {
      int end = at + value.length();
      boolean whole = (at == 0 || !Character.isLetterOrDigit(message.charAt(at - 1)))
          && (end == message.length() || !Character.isLetterOrDigit(message.charAt(end)));
      if (whole) {
        out.append(message, copied, at).append('…');
        copied = end;
      }
      at = message.indexOf(value, whole ? end : at + 1);
    }
    return out.append(message, copied, message.length()).toString();
  }

  private String shape() {
    if (node instanceof MappingNode) {
      return "found a section";
    }
    if (node instanceof SequenceNode) {
      return "found a list";
    }
    return node instanceof ScalarNode ? "found a single value" : "found nothing";
  }

  private String join(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private void problem(Node at, String fieldPath, String message) {
    int line = line(at);
    source.problems.add(new ConfigProblem(source.file, line, fieldPath, message));
  }

  private int line(Node at) {
    if (at == null) {
      return Math.max(lineOverride, 0);
    }
    return at.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
  }

  private static boolean isNull(Node value) {
    return value instanceof ScalarNode && Tag.NULL.equals(value.getTag());
  }

  /** The known name closest to {@code unknown}, if close enough to be a typo. */
  static String closest(String unknown, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int distance = distance(unknown.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best != null && bestDistance <= Math.max(2, unknown.length() / 3) ? best : null;
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /**
   * A secret read from the environment: the variable's name and its value. {@link #toString()}
   * shows the name only.
   */
  public record Secret(String variable, String value) {
    @Override
    public String toString() {
      return "Secret[" + variable + "]";
    }
  }

  /** A scalar that was read: where, its text, and the variables it came from (none when written in the file). */
  private record Read(String path, String text, Set<String> variables) {}

  private static final class Source {
    final String file;
    final UnaryOperator<String> environment;
    final List<ConfigProblem> problems = new ArrayList<>();
    final List<Read> reads = new ArrayList<>();
    // values that came from the environment, longest first, kept out of every message
    final Set<String> secrets = new TreeSet<>(Comparator.comparingInt(String::length).reversed()
        .thenComparing(Comparator.naturalOrder()));

    Source(String file, UnaryOperator<String> environment) {
      this.file = file;
      this.environment = environment;
    }

    void remember(String value) {
      String stripped = value.strip();
      if (stripped.length() >= SECRET_MIN_LENGTH) {
        secrets.add(stripped);
      }
    }

    String withoutSecrets(String message) {
      String cleaned = message;
      for (String secret : secrets) {
        cleaned = cleaned.replace(secret, "…");
      }
      return cleaned;
    }
  }
}
