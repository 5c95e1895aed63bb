/**
 * Sheepdog's service-provider interface: the ports that provider adapters, selection policies,
 * deferred-request stores and embedders implement, and the immutable values that cross them.
 *
 * <p>This package depends on the JDK alone. Values are records validated in their constructors;
 * ports are small interfaces. Implementations must follow the threading notes on each port:
 * {@link dev.sheepdog.spi.ChatProvider} never blocks its caller, {@link
 * dev.sheepdog.spi.RouterListener} is fast and never throws, {@link
 * dev.sheepdog.spi.SelectionStrategy} is pure and allocation-light.
 */
package dev.sheepdog.spi;
