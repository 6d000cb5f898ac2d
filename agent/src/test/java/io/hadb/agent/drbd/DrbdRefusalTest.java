package io.hadb.agent.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdCommandException.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every non-zero exit recorded on real DRBD maps to the kind the agent must act on. */
class DrbdRefusalTest {

    private static Kind kindOf(String file, String command, String section) {
        for (Samples.Step s : Samples.steps(file)) {
            if (s.command().equals(command) && (section == null || s.section().equals(section)) && s.exit() != 0) {
                return DrbdCommandException.classify(s.exit(), s.output());
            }
        }
        throw new AssertionError("no failed '" + command + "' in " + file);
    }

    @Test
    void scenarioRefusals() {
        assertEquals(Kind.PEER_IS_PRIMARY, kindOf("scenario-steps.hadb02.txt", "drbdadm primary r0", "peer Primary"));
        assertEquals(Kind.PEER_IS_PRIMARY, kindOf("scenario-steps.hadb02.txt", "drbdadm primary --force r0", "peer Primary"));
        assertEquals(Kind.PEER_IS_PRIMARY, kindOf("refusal-peer-primary.hadb02.txt", "drbdadm primary r0 (peer is primary)", null));
        assertEquals(Kind.NO_UP_TO_DATE_DATA, kindOf("scenario-steps.hadb02.txt", "drbdadm primary r0", "outdated ourselves"));
        assertEquals(Kind.DEVICE_HELD_OPEN, kindOf("scenario-steps.hadb01.txt", "drbdadm secondary r0", null));
        assertEquals(Kind.NOT_CONFIGURED, kindOf("scenario-steps.hadb02.txt", "drbdadm status r0", "down"));
        assertEquals(Kind.NOT_CONFIGURED, kindOf("scenario-steps.hadb02.txt", "drbdadm role r0", "down"));
        assertEquals(Kind.NOT_CONFIGURED, kindOf("scenario-steps.hadb02.txt", "drbdadm cstate r0", "down"));
    }

    @Test
    void fencingRefusals() {
        String d4 = "fencing/4-promote-while-dead-peer-still-connected/steps.hadb02";
        assertEquals(Kind.PEER_NOT_OUTDATED, kindOf(d4, "drbdadm primary r0", null));
        assertEquals(Kind.NOT_CONFIGURED, kindOf(d4, "drbdadm disconnect --force r0", null));
        String d1 = "fencing/1-crash-takeover-then-isolated-primary-resume-io/steps.hadb02";
        assertEquals(Kind.DEVICE_HELD_OPEN, kindOf(d1, "drbdadm secondary r0", null));
        assertEquals(Kind.NO_UP_TO_DATE_DATA, kindOf(d1, "drbdadm outdate r0", null));
    }

    @Test
    void everyRecordedDrbdFailureHasAKnownKind() {
        int n = 0;
        for (String f : List.of("scenario-steps.hadb01.txt", "scenario-steps.hadb02.txt",
                "fencing/1-crash-takeover-then-isolated-primary-resume-io/steps.hadb02",
                "fencing/2-heal-while-frozen-then-power-cycle/steps.hadb02",
                "fencing/3-isolated-primary-detach-force-way-out/steps.hadb02",
                "fencing/4-promote-while-dead-peer-still-connected/steps.hadb02")) {
            for (Samples.Step s : Samples.steps(f)) {
                if (s.exit() != 0 && s.command().startsWith("drbdadm ")) {
                    assertTrue(DrbdCommandException.classify(s.exit(), s.output()) != Kind.OTHER, s.toString());
                    n++;
                }
            }
        }
        assertTrue(n >= 10, "saw " + n);
    }

    @Test
    void moduleMissingAndUnknown() {
        assertEquals(Kind.MODULE_NOT_LOADED,
                DrbdCommandException.classify(20, "Could not connect to 'drbd' generic netlink family\n"));
        assertEquals(Kind.OTHER, DrbdCommandException.classify(20, "status: unrecognized option '--json'\n"));
        assertEquals(Kind.OTHER, DrbdCommandException.classify(1, "something else\n"));
    }
}
