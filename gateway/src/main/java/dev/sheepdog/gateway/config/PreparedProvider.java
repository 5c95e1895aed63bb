package dev.sheepdog.gateway.config;

import dev.sheepdog.spi.ChatProvider;
import java.util.Objects;
import java.util.function.Function;

/** A provider read from the configuration, ready to be built when the gateway starts. */
public interface PreparedProvider {
  /** One line for {@code check-config} and the start log, such as its base URL; never a key. */
  String describe();

  /**
   * Builds the provider, whose {@code id()} must be {@code context.id()}. If it is {@link
   * AutoCloseable}, it is closed when the gateway stops.
   */
  ChatProvider create(ProviderContext context);

  static PreparedProvider of(String description, Function<ProviderContext, ChatProvider> create) {
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(create, "create");
    return new PreparedProvider() {
      @Override
      public String describe() {
        return description;
      }

      @Override
      public ChatProvider create(ProviderContext context) {
        return create.apply(context);
      }
    };
  }
}
