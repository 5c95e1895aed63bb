package dev.sheepdog.gateway.cli;

import dev.sheepdog.gateway.config.ConfigFile;

/** The state line of {@code check-config}, for doc tests in other packages. */
public final class CheckConfigAccess {
  private CheckConfigAccess() {}

  public static String describe(ConfigFile.State state) {
    return CheckConfigCommand.describe(state);
  }
}
