/**
 * Cost and budgets: the exact {@link dev.sheepdog.core.cost.SpendLedger} of what was spent per
 * model, route, tag and UTC day, and the {@link dev.sheepdog.core.cost.BudgetGuard} that enforces a
 * request's maximum cost and daily {@link dev.sheepdog.core.cost.BudgetCap}s, with alerts at 80 %
 * and 100 % of each cap. Money is held in whole nano-dollars, so sums never drift.
 */
package dev.sheepdog.core.cost;
