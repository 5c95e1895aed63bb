/**
 * JMH benchmarks of the router's hot path: planning, admission, health recording, a whole
 * {@code Router.route()} and the stream relay. Run them from the shaded jar; {@code
 * docs/benchmarks.md} says how and what the numbers were.
 */
package dev.sheepdog.benchmarks;
