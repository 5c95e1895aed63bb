/**
 * Alerts that fire once per episode — when a condition starts and when it ends, never per call —
 * for model latency, error rate, consecutive failures and open circuits, and for any subject
 * (providers, budgets) through {@link dev.sheepdog.core.alert.AlertMonitor#raise}.
 */
package dev.sheepdog.core.alert;
