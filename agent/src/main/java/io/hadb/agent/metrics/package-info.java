/**
 * The agent's Prometheus metrics through Micrometer: names {@code hadb_...}, durations in {@code _seconds},
 * counters ending in {@code _total}. The text is served at GET /metrics by the probe responder's HTTP port.
 */
package io.hadb.agent.metrics;
