/**
 * Cost-aware selection: the cheapest models that are good enough for the task, within the
 * caller's cap and the budget's current price ceiling.
 *
 * <p>{@link dev.sheepdog.policy.cost.CostAwareStrategy} is the strategy, {@link
 * dev.sheepdog.policy.cost.QualityFloors} says how capable a model must be per task and priority,
 * {@link dev.sheepdog.policy.cost.PriceCeiling} is the hook through which a budget pushes traffic
 * to cheaper models, and {@link dev.sheepdog.policy.cost.CostPolicyModule} wires it all into Guice
 * under the name {@code "cost"}. Depends on {@code router-spi} only.
 */
package dev.sheepdog.policy.cost;
