package io.hadb.agent.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RestartBudgetTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void allowsLimitRestartsWithinTheWindow() {
        RestartBudget b = new RestartBudget(3, Duration.ofMinutes(10));
        assertTrue(b.tryConsume(T0));
        assertTrue(b.tryConsume(T0.plusSeconds(60)));
        assertTrue(b.tryConsume(T0.plusSeconds(120)));
        assertFalse(b.tryConsume(T0.plusSeconds(180)));
        assertEquals(3, b.used(T0.plusSeconds(180)), "a refused restart is not counted");
    }

    @Test
    void theWindowSlides() {
        RestartBudget b = new RestartBudget(2, Duration.ofSeconds(100));
        assertTrue(b.tryConsume(T0));
        assertTrue(b.tryConsume(T0.plusSeconds(50)));
        assertFalse(b.tryConsume(T0.plusSeconds(99)));
        // the first restart leaves the window exactly 100 s later
        assertTrue(b.tryConsume(T0.plusSeconds(100)));
        assertFalse(b.tryConsume(T0.plusSeconds(149)));
        assertTrue(b.tryConsume(T0.plusSeconds(150)));
        assertEquals(1, b.used(T0.plusSeconds(200)));
        assertEquals(0, b.used(T0.plusSeconds(250)));
    }

    @Test
    void zeroMeansNeverRestartAndResetForgets() {
        RestartBudget none = new RestartBudget(0, Duration.ofSeconds(1));
        assertFalse(none.tryConsume(T0));
        RestartBudget b = new RestartBudget(1, Duration.ofHours(1));
        assertTrue(b.tryConsume(T0));
        assertFalse(b.tryConsume(T0.plusSeconds(1)));
        b.reset();
        assertTrue(b.tryConsume(T0.plusSeconds(2)));
    }

    @Test
    void badParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new RestartBudget(-1, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new RestartBudget(1, Duration.ZERO));
    }
}
