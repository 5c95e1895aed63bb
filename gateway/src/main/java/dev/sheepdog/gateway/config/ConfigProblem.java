package dev.sheepdog.gateway.config;

import java.util.Objects;

/**
 * One thing wrong with a configuration file, where it is and what to do about it.
 *
 * @param file the file as it was named when loaded
 * @param line the 1-based line, or 0 when the problem has no line (an unreadable file)
 * @param path the field, such as {@code models[2].provider}; empty for the whole file
 * @param message what is wrong; never a value from the file or the environment, except a number
 *     written in the file
 */
public record ConfigProblem(String file, int line, String path, String message) {
  public ConfigProblem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  /** {@code gateway.yaml:14: models[2].provider: unknown provider; did you mean a? (known: a, b)}. */
  @Override
  public String toString() {
    return file + (line > 0 ? ":" + line : "") + ": " + (path.isEmpty() ? "" : path + ": ") + message;
  }
}
