package io.hadb.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The checker has teeth: deliberately broken variants of the protocol are caught, and replay exactly. */
class BrokenVariantTest {

    @ParameterizedTest
    @EnumSource(value = Node.Flaw.class, names = {"LEASE_FROM_ACK", "NO_RESTART_WAIT", "NO_DRIFT_MARGIN"})
    void brokenVariantIsCaught(Node.Flaw flaw) {
        SimulateMain.Summary s = SimulateMain.runMany(SimTopology.THREE_DATA, 1, 4000, EnumSet.of(flaw), false);
        Simulation.Result first = s.failures.stream()
                .filter(r -> r.violation().contains("S1") || r.violation().contains("S2"))
                .findFirst().orElse(null);
        assertFalse(first == null, flaw + " went unnoticed in 4000 histories");
        // one seed replays one whole history
        Simulation.Result again = new Simulation(SimTopology.THREE_DATA, first.seed(), EnumSet.of(flaw), false).run();
        assertEquals(first.violation(), again.violation());
        assertEquals(first.events(), again.events());
    }

    /** The force overrides the Outdated mark only: one that also overrode the lease promise gives two masters. */
    @org.junit.jupiter.api.Test
    void aForceThatOverridesTheLeasePromiseIsCaught() {
        EnumSet<Node.Flaw> flaw = EnumSet.of(Node.Flaw.FORCE_OVERRIDES_PROMISE);
        SimulateMain.Summary s = SimulateMain.runMany(SimTopology.WITNESS, 1, 4000, flaw, false);
        Simulation.Result first = s.failures.stream().filter(r -> r.violation().contains("S1")).findFirst().orElse(null);
        assertFalse(first == null, "a force overriding the promise went unnoticed in 4000 histories");
        assertFalse(Simulation.run(SimTopology.WITNESS, first.seed()).violation() != null,
                "seed " + first.seed() + " fails without the flaw too");
        Simulation.Result again = new Simulation(SimTopology.WITNESS, first.seed(), flaw, false).run();
        assertEquals(first.violation(), again.violation());
    }

    @ParameterizedTest
    @EnumSource(Node.Flaw.class)
    void theSameSeedsPassWithoutTheFlaw(Node.Flaw flaw) {
        SimulateMain.Summary broken = SimulateMain.runMany(SimTopology.THREE_DATA, 1, 4000, EnumSet.of(flaw), false);
        for (Simulation.Result r : broken.failures) {
            assertTrue(Simulation.run(SimTopology.THREE_DATA, r.seed()).passed(), "seed " + r.seed() + " fails unbroken too");
        }
    }
}
