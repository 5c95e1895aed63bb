/**
 * Durable state in one SQLite file: the spend counters (and with them the daily budgets) and the
 * deferred requests with their answers, kept across restarts. {@link
 * dev.sheepdog.state.sqlite.SqliteStateStore} is the entry point; whatever keeps it from opening
 * or writing is a {@link dev.sheepdog.state.sqlite.StateStoreException} with a one-line message.
 */
package dev.sheepdog.state.sqlite;
