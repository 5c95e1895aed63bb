/**
 * The JSON that state stores keep deferred requests and their answers as, one codec for the file
 * store and the shared store: {@link dev.sheepdog.state.codec.StateJson}.
 */
package dev.sheepdog.state.codec;
