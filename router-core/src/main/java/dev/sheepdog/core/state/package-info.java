/**
 * State in memory: the {@link dev.sheepdog.spi.StateStore} that keeps spend and deferred requests
 * for the life of the process, the default when no durable store is configured.
 */
package dev.sheepdog.core.state;
