package io.hadb.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Thousands of random histories per topology: no safety violation, and a master once the faults stop. */
class SimulationTest {
    static final int SEEDS = Integer.getInteger("hadb.sim.seeds", 10_000);

    @ParameterizedTest
    @EnumSource(SimTopology.class)
    void everyHistoryKeepsTheInvariants(SimTopology topology) {
        SimulateMain.Summary s = SimulateMain.runMany(topology, 1, SEEDS, EnumSet.noneOf(Node.Flaw.class), false);
        String failures = s.failures.stream()
                .map(r -> "seed " + r.seed() + ": " + r.violation() + "\n  replay: testbed/bin/simulate --topology "
                        + topology.cliName + " --seeds 1 --first-seed " + r.seed() + " --trace")
                .collect(Collectors.joining("\n"));
        System.out.println(topology.cliName + ": " + s.passed + " passed, " + s.failures.size() + " failed");
        assertEquals(0, s.failures.size(), failures);
        // the histories really exercised the protocol
        assertTrue(s.elections.get() > SEEDS, "elections: " + s.elections.get());
        assertTrue(s.crashes.get() > SEEDS / 2, "crashes: " + s.crashes.get());
        assertTrue(s.pauses.get() > SEEDS / 2, "pauses: " + s.pauses.get());
        assertTrue(s.switchovers.get() > SEEDS / 20, "switchovers: " + s.switchovers.get());
        assertTrue(s.writes.get() > SEEDS * 50L, "writes: " + s.writes.get());
        // operators forced promotions, some won and gave writes up, and the checker accepted exactly those
        assertTrue(s.forcesWon.get() > SEEDS / 200, "forced promotions won: " + s.forcesWon.get());
        assertTrue(s.writesGivenUp.get() > 0, "writes given up: " + s.writesGivenUp.get());
        if (topology == SimTopology.TWO_NODE_FENCING) assertTrue(s.fences.get() > SEEDS / 2, "fences: " + s.fences.get());
    }
}
