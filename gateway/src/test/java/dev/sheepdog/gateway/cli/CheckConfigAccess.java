package dev.sheepdog.gateway.cli;

import dev.sheepdog.gateway.config.SheepdogConfig;

/** The state line of {@code check-config}, for doc tests in other packages. */
public final class CheckConfigAccess {
  private CheckConfigAccess() {}

  public static String describe(SheepdogConfig.State state) {
    return CheckConfigCommand.describe(state);
  }
}
