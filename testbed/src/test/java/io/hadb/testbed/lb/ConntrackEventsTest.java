package io.hadb.testbed.lb;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConntrackEventsTest {
    @Test
    void aNewFlowNamesClientFrontendAndTheBackendItWasTranslatedTo() {
        var f = ConntrackEvents.parseNew("    [NEW] tcp      6 120 SYN_SENT src=10.213.0.50 dst=10.213.0.100 sport=52964 dport=3306"
                + " [UNREPLIED] src=10.213.1.11 dst=10.213.0.50 sport=3306 dport=52964").orElseThrow();
        assertEquals(new ConntrackEvents.NewFlow("10.213.0.50", 52964, "10.213.0.100", 3306, "10.213.1.11"), f);
    }

    @Test
    void otherEventsSummariesAndGarbageAreNotFlows() {
        for (String line : new String[]{
                " [UPDATE] tcp      6 60 SYN_RECV src=10.213.0.50 dst=10.213.0.100 sport=1 dport=3306 src=10.213.1.11 dst=10.213.0.50 sport=3306 dport=1",
                "    [NEW] udp      17 30 src=10.213.0.50 dst=10.213.0.100 sport=1 dport=3306 [UNREPLIED] src=10.213.1.11 dst=10.213.0.50 sport=3306 dport=1",
                "conntrack v1.4.7 (conntrack-tools): 3 flow events have been shown.",
                "    [NEW] tcp      6 120 SYN_SENT src=10.213.0.50 dst=10.213.0.100 sport=x dport=3306 [UNREPLIED] src=10.213.1.11",
                "    [NEW] tcp      6 120 SYN_SENT src=10.213.0.50 dst=10.213.0.100 sport=1 dport=3306",
                "", "\u0000\u0001 [NEW]"}) {
            assertTrue(ConntrackEvents.parseNew(line).isEmpty(), line);
        }
        assertTrue(ConntrackEvents.parseNew(null).isEmpty());
    }
}
