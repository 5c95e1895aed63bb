package dev.sheepdog.spi;

import java.util.Locale;
import java.util.Optional;

/** How the caller trades speed for quality. */
public enum Priority {
  /** Answer quickly; a cheaper, faster model is fine. */
  FAST,
  /** The default balance. */
  NORMAL,
  /** Answer well; prefer the strongest models. */
  HIGH;

  /** The priority with this name, case-insensitive, or empty. */
  public static Optional<Priority> parse(String name) {
    if (name == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
