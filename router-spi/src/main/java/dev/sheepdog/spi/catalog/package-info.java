/**
 * Ready-made model catalogs: data that adapters, the sandbox, examples and tests share, declared
 * once. Not ports: nothing here is implemented by anyone; it depends on {@code dev.sheepdog.spi}
 * and the JDK alone, so every module may read it without a new dependency.
 */
package dev.sheepdog.spi.catalog;
