package dev.sheepdog.gateway.plugin;

import dev.sheepdog.gateway.config.ProviderFactory;
import dev.sheepdog.spi.SelectionStrategy;
import java.util.function.Supplier;

/**
 * What a jar adds to the gateway: provider {@code type}s its YAML may use and strategy names
 * {@code routes.strategy} may name. The gateway finds plug-ins with {@link java.util.ServiceLoader}
 * on its classpath and in each jar of its plug-in directory ({@code plugins/}, or {@code serve
 * --plugins DIR}); a jar lists its plug-in classes in {@code
 * META-INF/services/dev.sheepdog.gateway.plugin.SheepdogPlugin}.
 *
 * <pre>{@code
 * public final class AcmePlugin implements SheepdogPlugin {
 *   public String name() { return "acme"; }
 *
 *   public void register(Registrar registrar) {
 *     registrar.providerType("acme", new AcmeProviderFactory())
 *         .strategy("prefer-tagged", () -> new PreferTagged("fast"));
 *   }
 * }
 * }</pre>
 *
 * A plug-in class is public, with a public no-argument constructor. {@link #register} runs once,
 * when the gateway (or {@code check-config}) starts; a name that is already taken — by the gateway
 * or by another plug-in — stops the start, naming both.
 */
public interface SheepdogPlugin {
  /** A short name for {@code check-config} and the start log, such as {@code acme}. */
  String name();

  /** Registers what this plug-in contributes. */
  void register(Registrar registrar);

  /** Takes a plug-in's contributions. */
  interface Registrar {
    /**
     * {@code type: TYPE} in a provider's section: {@code factory} reads that section's other keys
     * (with the same file:line errors as the built-in types) and builds the provider at start.
     */
    Registrar providerType(String type, ProviderFactory factory);

    /**
     * A strategy {@code routes.strategy} may name, alone or composed with {@code +} ({@code
     * name+cost}); {@code factory} is asked once per gateway.
     */
    Registrar strategy(String name, Supplier<? extends SelectionStrategy> factory);
  }
}
