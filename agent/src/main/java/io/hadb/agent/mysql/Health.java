package io.hadb.agent.mysql;

import java.time.Duration;
import java.util.Optional;

/**
 * One health verdict.
 *
 * @param latency how long SELECT 1 plus the heartbeat write took; present only when HEALTHY
 * @param reason why, in a few words for the log and agentctl
 */
public record Health(HealthStatus status, Optional<Duration> latency, String reason) {
    public static Health healthy(Duration latency) {
        return new Health(HealthStatus.HEALTHY, Optional.of(latency), "answered in " + latency.toMillis() + " ms");
    }

    public static Health of(HealthStatus status, String reason) {
        return new Health(status, Optional.empty(), reason);
    }

    public boolean healthy() {
        return status == HealthStatus.HEALTHY;
    }

    @Override
    public String toString() {
        return status + " (" + reason + ")";
    }
}
