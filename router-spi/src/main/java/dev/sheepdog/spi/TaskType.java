package dev.sheepdog.spi;

import java.util.Locale;

/**
 * What a request is for. The four built-in tasks are constants; route tables may define more.
 * Names are lower-case with underscores.
 */
public record TaskType(String name) {
  public static final TaskType SIMPLE_QA = new TaskType("simple_qa");
  public static final TaskType CODE_GENERATION = new TaskType("code_generation");
  public static final TaskType COMPLEX_REASONING = new TaskType("complex_reasoning");
  public static final TaskType GENERAL = new TaskType("general");

  public TaskType {
    Checks.notBlank(name, "task type");
    name = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
  }

  public static TaskType of(String name) {
    return new TaskType(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
