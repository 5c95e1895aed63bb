package dev.sheepdog.gateway.config;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration file that cannot be used; carries every problem found, not just the first. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<ConfigProblem> problems;

  public ConfigException(List<ConfigProblem> problems) {
    super(format(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a config exception needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /** The problems, in the order of the file. */
  public List<ConfigProblem> problems() {
    return problems;
  }

  private static String format(List<ConfigProblem> problems) {
    return problems.size() == 1 ? problems.get(0).toString()
        : problems.size() + " problems in the configuration:\n" + problems.stream().map(ConfigProblem::toString)
            .collect(Collectors.joining("\n"));
  }
}
