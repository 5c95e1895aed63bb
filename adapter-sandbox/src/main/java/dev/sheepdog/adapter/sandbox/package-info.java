/**
 * Sandbox providers: simulated OpenAI-compatible models that answer with the latency and
 * availability measured for real ones, with no key and no network, and faults (outages,
 * slowdowns, rate-limit storms) that can be switched on and off while traffic flows.
 *
 * <pre>{@code
 * SandboxProvider sandbox = SandboxProvider.builder().seed(42).timeScale(0.05).build();
 * Router router = Router.builder()
 *     .catalog(TutorialModels.catalog(sandbox.id()))
 *     .provider(sandbox)
 *     .strategy(RouteTableStrategy.tutorialDefaults())
 *     .build();
 * sandbox.faults().outage(ModelId.of("gpt-4.1"));
 * }</pre>
 */
package dev.sheepdog.adapter.sandbox;
