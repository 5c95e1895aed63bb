/** Optional Guice wiring for the router; the only place in {@code router-core} that knows Guice. */
package dev.sheepdog.core.inject;
