package io.hadb.testbed.lb;

import org.junit.jupiter.api.Test;

import static io.hadb.testbed.lb.ProbeResult.Outcome.FAILED_AT_ONCE;
import static io.hadb.testbed.lb.ProbeResult.Outcome.SILENT;
import static io.hadb.testbed.lb.ProbeResult.Outcome.SUCCESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProbeThresholdTest {
    @Test
    void startsDownAndNeedsNConsecutiveSuccesses() {
        ProbeThreshold t = new ProbeThreshold(2);
        assertFalse(t.up());
        assertFalse(t.record(SUCCESS));
        assertFalse(t.up());
        assertFalse(t.record(SILENT)); // breaks the run
        assertFalse(t.record(SUCCESS));
        assertTrue(t.record(SUCCESS));
        assertTrue(t.up());
        assertFalse(t.record(SUCCESS), "already up: no change");
    }

    @Test
    void oneSilentProbeDoesNotMarkDownTwoDo() {
        ProbeThreshold t = up(2);
        assertFalse(t.record(SILENT));
        assertTrue(t.up());
        assertFalse(t.record(SUCCESS)); // the run of failures starts again
        assertFalse(t.record(SILENT));
        assertTrue(t.up());
        assertTrue(t.record(SILENT));
        assertFalse(t.up());
        assertEquals(2, t.streak());
    }

    @Test
    void aRefusalOrNon200MarksDownAtOnceWhateverN() {
        ProbeThreshold t = up(3);
        assertTrue(t.record(FAILED_AT_ONCE));
        assertFalse(t.up());
        assertFalse(t.record(FAILED_AT_ONCE), "already down: no change");
    }

    @Test
    void thresholdOneFollowsEveryResult() {
        ProbeThreshold t = new ProbeThreshold(1);
        assertTrue(t.record(SUCCESS));
        assertTrue(t.record(SILENT));
        assertTrue(t.record(SUCCESS));
        assertTrue(t.record(FAILED_AT_ONCE));
        assertFalse(t.up());
    }

    @Test
    void aThresholdBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ProbeThreshold(0));
    }

    private static ProbeThreshold up(int n) {
        ProbeThreshold t = new ProbeThreshold(n);
        for (int i = 0; i < n; i++) t.record(SUCCESS);
        assertTrue(t.up());
        return t;
    }
}
