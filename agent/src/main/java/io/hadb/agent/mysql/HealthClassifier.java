package io.hadb.agent.mysql;

import java.time.Duration;
import java.util.Set;

/**
 * Turns an observation into a verdict, without I/O. MariaDB only listens once its storage engines
 * are initialised, so during InnoDB crash recovery the process is alive but refuses connections:
 * that is STARTING until the start timeout, FAILED after it. Once the server has answered, a probe
 * that fails is a failure at once; the probe's own timeouts are what gives a slow server slack.
 */
public final class HealthClassifier {
    /**
     * Server errors that waiting will not cure: wrong credentials or privileges, a read-only server.
     * 1044 db access denied, 1045 access denied, 1142 command denied, 1290 and 1836 read-only.
     */
    static final Set<Integer> DEFINITIVE = Set.of(1044, 1045, 1142, 1290, 1836);

    private HealthClassifier() {
    }

    public static Health classify(HealthObservation o, Duration startTimeout) {
        if (!o.processAlive()) return Health.of(HealthStatus.FAILED, "mysqld process is gone");
        String why;
        ProbeResult p = o.probe();
        if (p instanceof ProbeResult.Answered a) return Health.healthy(a.latency());
        if (p instanceof ProbeResult.ServerError e) {
            String text = "error " + e.code() + " (" + e.sqlState() + ") " + e.message();
            if (DEFINITIVE.contains(e.code())) {
                return Health.of(HealthStatus.FAILED, "server refuses the health check: " + text);
            }
            why = text;
        } else {
            why = ((ProbeResult.NoAnswer) p).why();
        }
        if (o.answeredSinceStart()) return Health.of(HealthStatus.FAILED, "stopped answering: " + why);
        if (o.sinceStart().compareTo(startTimeout) < 0) {
            return Health.of(HealthStatus.STARTING, "process alive, not answering yet after "
                    + o.sinceStart().toMillis() + " ms: " + why);
        }
        return Health.of(HealthStatus.FAILED, "not answering " + startTimeout.toMillis()
                + " ms after start: " + why);
    }
}
