/**
 * The gateway's load test: an OpenAI-compatible {@link dev.sheepdog.benchmarks.load.UpstreamStub}
 * with zero think time and a {@link dev.sheepdog.benchmarks.load.GatewayLauncher} that starts the
 * gateway in front of it. {@code benchmarks/loadtest.sh} drives both, and nginx, with {@code wrk};
 * {@code docs/benchmarks.md} says what the numbers mean.
 */
package dev.sheepdog.benchmarks.load;
