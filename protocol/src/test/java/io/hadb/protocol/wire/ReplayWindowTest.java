package io.hadb.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    @Test
    void duplicatesAreRejected() {
        ReplayWindow w = new ReplayWindow();
        assertTrue(w.accept(5, 1));
        assertFalse(w.accept(5, 1));
        assertTrue(w.accept(5, 2));
        assertFalse(w.accept(5, 2));
        assertFalse(w.accept(5, 1));
    }

    @Test
    void reorderingWithinTheWindowIsAcceptedOnce() {
        ReplayWindow w = new ReplayWindow();
        assertTrue(w.accept(5, 100));
        assertTrue(w.accept(5, 99));
        assertTrue(w.accept(5, 100 - 63));
        assertFalse(w.accept(5, 100 - 64), "just outside the window");
        assertFalse(w.accept(5, 99));
        assertTrue(w.accept(5, 98));
        assertTrue(w.accept(5, 101));
        assertFalse(w.accept(5, 98));
    }

    @Test
    void aBigJumpForgetsTheWholeWindowButStillRejectsOldOnes() {
        ReplayWindow w = new ReplayWindow();
        assertTrue(w.accept(5, 1));
        assertTrue(w.accept(5, 1000));
        assertFalse(w.accept(5, 1));
        assertFalse(w.accept(5, 900));
        assertTrue(w.accept(5, 999));
    }

    @Test
    void olderIncarnationIsAReplayAndANewerOneResetsTheWindow() {
        ReplayWindow w = new ReplayWindow();
        assertTrue(w.accept(5, 50));
        assertFalse(w.accept(4, 51), "older incarnation");
        assertTrue(w.accept(6, 1), "restarted sender starts its sequence again");
        assertTrue(w.accept(6, 2));
        assertFalse(w.accept(5, 52), "the previous incarnation is over");
        assertFalse(w.accept(6, 1));
    }

    @Test
    void freshDoesNotRecord() {
        ReplayWindow w = new ReplayWindow();
        assertTrue(w.fresh(1, 1));
        assertTrue(w.fresh(1, 1));
        assertTrue(w.accept(1, 1));
        assertFalse(w.fresh(1, 1));
    }

    @Test
    void incarnationsGrowAcrossRestartsEvenWhenTheClockStepsBack() {
        long first = Incarnation.next(1_700_000_000_000_000L, 12345, 0);
        long later = Incarnation.next(1_700_000_000_000_001L, 0, first);
        long clockBack = Incarnation.next(1_600_000_000_000_000L, 999, later);
        assertTrue(later > first);
        assertTrue(clockBack > later);
        assertTrue(first > 0);
    }
}
