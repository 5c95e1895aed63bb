/**
 * Durable state in one SQLite file: the spend counters (and with them the daily budgets) and the
 * deferred requests with their answers, kept across restarts.
 */
package dev.sheepdog.state.sqlite;
