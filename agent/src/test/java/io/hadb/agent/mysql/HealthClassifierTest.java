package io.hadb.agent.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthClassifierTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final ProbeResult REFUSED = new ProbeResult.NoAnswer("Connection refused");

    private static Health classify(boolean alive, long sinceStartMs, boolean answered, ProbeResult p) {
        return HealthClassifier.classify(new HealthObservation(alive, Duration.ofMillis(sinceStartMs), answered, p), START);
    }

    @Test
    void answeredIsHealthyWithLatency() {
        Health h = classify(true, 100, false, new ProbeResult.Answered(Duration.ofMillis(3)));
        assertEquals(HealthStatus.HEALTHY, h.status());
        assertEquals(Duration.ofMillis(3), h.latency().orElseThrow());
    }

    @Test
    void aliveButNotAnsweringDuringStartupIsStarting() {
        Health h = classify(true, 5_000, false, REFUSED);
        assertEquals(HealthStatus.STARTING, h.status());
        assertTrue(h.reason().contains("Connection refused"), h.reason());
        assertTrue(h.latency().isEmpty());
        assertEquals(HealthStatus.STARTING, classify(true, 59_999, false,
                new ProbeResult.ServerError(1053, "08S01", "Server shutdown in progress")).status());
    }

    @Test
    void notAnsweringBeyondTheStartTimeoutIsFailed() {
        Health h = classify(true, 60_000, false, REFUSED);
        assertEquals(HealthStatus.FAILED, h.status());
        assertTrue(h.reason().contains("60000 ms after start"), h.reason());
    }

    @Test
    void processGoneIsFailedWhateverTheProbeSaw() {
        assertEquals(HealthStatus.FAILED, classify(false, 10, false, REFUSED).status());
        assertEquals(HealthStatus.FAILED, classify(false, 10, true, new ProbeResult.Answered(Duration.ZERO)).status());
    }

    @Test
    void stoppingToAnswerAfterHavingAnsweredIsFailed() {
        Health h = classify(true, 1_000, true, new ProbeResult.NoAnswer("timed out"));
        assertEquals(HealthStatus.FAILED, h.status());
        assertTrue(h.reason().startsWith("stopped answering"), h.reason());
    }

    @Test
    void errorsThatWaitingWillNotCureFailAtOnce() {
        for (int code : new int[] {1044, 1045, 1142, 1290, 1836}) {
            Health h = classify(true, 10, false, new ProbeResult.ServerError(code, "28000", "denied"));
            assertEquals(HealthStatus.FAILED, h.status(), "error " + code);
            assertTrue(h.reason().contains("error " + code), h.reason());
        }
    }

    @Test
    void connectorErrorsAreSortedIntoNoAnswerAndServerError() {
        assertTrue(MysqlClient.classify(new SQLNonTransientConnectionException("Socket fail to connect", "08000", 0))
                instanceof ProbeResult.NoAnswer);
        assertTrue(MysqlClient.classify(new SQLTimeoutException("timeout", "HY000", 1969)) instanceof ProbeResult.NoAnswer);
        ProbeResult p = MysqlClient.classify(new SQLException("Access denied for user", "28000", 1045));
        assertEquals(new ProbeResult.ServerError(1045, "28000", "Access denied for user"), p);
        assertTrue(MysqlClient.classify(new SQLException("lost\nsecond line", "08S01", 2013)) instanceof ProbeResult.NoAnswer);
    }
}
