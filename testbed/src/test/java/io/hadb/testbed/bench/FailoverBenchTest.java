package io.hadb.testbed.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The failover benchmark's arithmetic over probe samples, and when it calls a cluster settled. */
class FailoverBenchTest {
    private static final long MS = 1_000_000L;

    private static ProbeTimeline.Sample s(long ms, boolean a, boolean b) {
        return new ProbeTimeline.Sample(ms * MS, a, b);
    }

    // node 0 serves until 30 ms, nothing from 40 to 80, node 1 from 90; a one-sample blip of node 1 at 60
    private final List<ProbeTimeline.Sample> switchover = List.of(s(0, true, false), s(10, true, false), s(20, true, false),
            s(30, true, false), s(40, false, false), s(50, false, false), s(60, false, true), s(70, false, false),
            s(80, false, false), s(90, false, true), s(100, false, true));

    @Test
    void firstOpenIsTheFirstSampleAtOrAfterTheStartInWhichThatNodeIsOpen() {
        assertEquals(OptionalLong.of(60 * MS), ProbeTimeline.firstOpen(switchover, 1, 15 * MS));
        assertEquals(OptionalLong.of(90 * MS), ProbeTimeline.firstOpen(switchover, 1, 61 * MS));
        assertEquals(OptionalLong.of(20 * MS), ProbeTimeline.firstOpen(switchover, 0, 20 * MS));
        assertEquals(OptionalLong.empty(), ProbeTimeline.firstOpen(switchover, 0, 31 * MS));
    }

    @Test
    void longestGapRunsFromTheLastOpenSampleToTheNextOpenOne() {
        // 30 -> 60 (30 ms) and 60 -> 90 (30 ms)
        assertEquals(30 * MS, ProbeTimeline.longestGap(switchover, 0, 100 * MS));
        List<ProbeTimeline.Sample> noBlip = switchover.stream().map(x -> x.nanos() == 60 * MS ? s(60, false, false) : x).toList();
        assertEquals(60 * MS, ProbeTimeline.longestGap(noBlip, 0, 100 * MS));
        // a window that starts closed counts from its start; one that ends closed up to its end
        assertEquals(40 * MS, ProbeTimeline.longestGap(noBlip, 50 * MS, 100 * MS));
        assertEquals(45 * MS, ProbeTimeline.longestGap(noBlip, 0, 75 * MS));
        // never closed: no gap
        assertEquals(0, ProbeTimeline.longestGap(switchover, 0, 30 * MS));
    }

    @Test
    void bothOpenCountsSamplesWithTwoNodesServing() {
        assertEquals(0, ProbeTimeline.bothOpen(switchover));
        assertEquals(2, ProbeTimeline.bothOpen(List.of(s(0, true, true), s(10, true, false), s(20, true, true))));
    }

    @Test
    void settledNeedsAServingMasterAndAnUpToDateConnectedFollower() throws Exception {
        ObjectMapper m = new ObjectMapper();
        JsonNode master = m.readTree("{\"node\":\"hadb01\",\"role\":\"master\",\"serving\":true,\"record\":{\"outdated\":{}},"
                + "\"resources\":{\"probe\":\"healthy\",\"drbd\":\"r0 Primary/Secondary UpToDate/UpToDate Connected Established\"}}");
        JsonNode follower = m.readTree("{\"node\":\"hadb02\",\"role\":\"follower\",\"leader\":\"hadb01\",\"resources\":"
                + "{\"drbd\":\"r0 Secondary/Primary UpToDate/UpToDate Connected Established\"}}");
        assertEquals("", FailoverBench.settledProblem("hadb01", master, follower));

        JsonNode syncing = m.readTree(follower.toString().replace("UpToDate/UpToDate Connected Established",
                "Inconsistent/UpToDate Connected SyncTarget"));
        assertTrue(FailoverBench.settledProblem("hadb01", master, syncing).contains("follower's DRBD"));
        JsonNode outdated = m.readTree(master.toString().replace("\"outdated\":{}", "\"outdated\":{\"hadb02\":7}"));
        assertTrue(FailoverBench.settledProblem("hadb01", outdated, follower).contains("hadb02"));
        JsonNode closed = m.readTree(master.toString().replace("healthy", "down"));
        assertTrue(FailoverBench.settledProblem("hadb01", closed, follower).contains("probe"));
        assertTrue(FailoverBench.settledProblem("hadb02", follower, master).contains("does not serve"));
        assertTrue(FailoverBench.settledProblem("hadb01", master, null).contains("does not answer"));
    }
}
