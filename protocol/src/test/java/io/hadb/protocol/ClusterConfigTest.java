package io.hadb.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {
    private static NodeSpec data(int id) {
        return new NodeSpec(id, "hadb0" + id, NodeRole.DATA, 1, 1, 0);
    }

    @Test
    void twoDataNodesWithNeitherWitnessNorFencingAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ClusterConfig("c", List.of(data(1), data(2)), Timings.defaults(), false, false));
        assertTrue(e.getMessage().contains("witness") && e.getMessage().contains("fencing"), e.getMessage());
    }

    @Test
    void twoDataNodesAreAllowedWithFencingOrTheUnsafeFlag() {
        assertTrue(new ClusterConfig("c", List.of(data(1), data(2)), Timings.defaults(), true, false).twoNodeMode());
        assertTrue(new ClusterConfig("c", List.of(data(1), data(2)), Timings.defaults(), false, true).twoNodeMode());
    }

    @Test
    void aWitnessGivesAMajorityOfTwoOfThree() {
        var c = new ClusterConfig("c", List.of(data(1), data(2), new NodeSpec(3, "w", NodeRole.WITNESS, 1, 1, 0)),
                Timings.defaults(), false, false);
        assertEquals(2, c.quorum());
        assertTrue(!c.twoNodeMode());
    }

    @Test
    void duplicateIdsAndNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ClusterConfig("c",
                List.of(data(1), data(1), data(3)), Timings.defaults(), false, false));
        assertThrows(IllegalArgumentException.class, () -> new ClusterConfig("c",
                List.of(data(1), new NodeSpec(2, "hadb01", NodeRole.DATA, 1, 1, 0), data(3)), Timings.defaults(),
                false, false));
    }

    @Test
    void timingsThatCannotWorkAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Timings(100, 150, 1000, 250, 0.01, 150, 30000, 5000));
        assertThrows(IllegalArgumentException.class, () -> new Timings(100, 500, 400, 250, 0.01, 150, 30000, 5000));
        assertThrows(IllegalArgumentException.class, () -> new Timings(100, 500, 1000, 1000, 0.01, 150, 30000, 5000));
    }

    @Test
    void votersWaitLongerThanTheLeaseByTheDriftMargin() {
        Timings t = Timings.defaults();
        // both clocks may drift apart by the bound: the voter's promise must outlast the lease
        assertTrue(t.voterWaitMs() * (1 - t.maxClockDrift()) > t.leaseMs() * (1 + t.maxClockDrift()));
    }
}
