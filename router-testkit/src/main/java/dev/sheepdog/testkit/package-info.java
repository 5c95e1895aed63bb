/**
 * Test support for Sheepdog and for people who extend it: {@link dev.sheepdog.testkit.ManualTicker}
 * moves time by hand, {@link dev.sheepdog.testkit.ScriptedProvider} plays scripted outcomes, and
 * {@link dev.sheepdog.testkit.ChatProviderContractTest} checks any {@code ChatProvider} against
 * the port's contract.
 */
package dev.sheepdog.testkit;
