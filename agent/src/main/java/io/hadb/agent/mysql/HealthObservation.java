package io.hadb.agent.mysql;

import java.time.Duration;

/**
 * Everything the health verdict depends on.
 *
 * @param processAlive whether the mysqld process (child, pid-file or unit main pid) exists
 * @param sinceStart time since this driver last started (or restarted) the process
 * @param answeredSinceStart whether any probe has succeeded since that start
 * @param probe what the probe just saw
 */
public record HealthObservation(boolean processAlive, Duration sinceStart, boolean answeredSinceStart,
                                ProbeResult probe) {
}
