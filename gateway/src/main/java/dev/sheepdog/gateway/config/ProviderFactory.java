package dev.sheepdog.gateway.config;

/**
 * Makes the providers of one {@code type} of the {@code providers} section, in two steps: while
 * the file loads, {@link #prepare} reads and checks the provider's section; when the gateway
 * starts, the {@link PreparedProvider} builds the {@code ChatProvider}.
 *
 * <p>A new type is one class and one line in {@link ProviderTypes#builtIn()} (or {@link
 * ProviderTypes#with}).
 *
 * <pre>{@code
 * ProviderFactory echo = section -> {
 *   Duration delay = section.duration("delay", Duration.ofMillis(100)); // problems name file, line, field
 *   return PreparedProvider.of("echo after " + delay, context -> new EchoProvider(context.id(), delay));
 * };
 * }</pre>
 */
@FunctionalInterface
public interface ProviderFactory {
  /**
   * Reads the section of one provider. {@code type} has been read already; every key the factory
   * does not read is reported as unknown afterwards. Report problems through {@code section}
   * ({@link ConfigNode#error}, or {@link ConfigNode#rejected} for a constructor's complaint) rather
   * than by throwing, and return a best effort: the result is used only when the whole file is free
   * of problems. Messages say what is wrong without repeating the value, which may be a key.
   *
   * @param section the provider's section; {@link ConfigNode#path()} is {@code providers.NAME}
   * @param name the provider's name, which models name and which becomes its {@code ProviderId}
   */
  PreparedProvider prepare(ConfigNode section, String name);
}
