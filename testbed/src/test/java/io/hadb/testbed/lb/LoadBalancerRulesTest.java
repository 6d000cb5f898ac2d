package io.hadb.testbed.lb;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The balancer's rules against real namespaces, nftables and conntrack (as root), with fake
 * backends inside their own namespaces and the probe interval at 1 s.
 */
class LoadBalancerRulesTest {

    @Test
    void pinnedFlowKeepsWorkingAfterItsBackendIsMarkedDownWhileNewFlowsGoElsewhere() throws Exception {
        try (LbFixture f = new LbFixture(2)) {
            f.start(LbFixture.settings(1), b -> ProbeSpec.tcp(FakeBackend.TCP_PROBE_PORT));
            LbFixture.await("both backends up", () -> f.up("b1") && f.up("b2"));

            try (SocketChannel pinned = f.connect(Duration.ofSeconds(3))) {
                BufferedReader in = LbFixture.reader(pinned);
                String first = in.readLine();
                FakeBackend owner = f.backends.stream().filter(b -> b.name.equals(first)).findFirst().orElseThrow();
                String other = owner.name.equals("b1") ? "b2" : "b1";

                owner.closeTcpProbe();
                LbFixture.await(owner.name + " marked down", () -> !f.up(owner.name));
                LbFixture.await("rules without " + owner.name, () -> f.lb.events().stream().anyMatch(e ->
                        e.kind() == LbEvent.Kind.RULES && e.detail().equals("new flows hashed over " + other)));

                pinned.socket().getOutputStream().write("still here\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("still here", in.readLine(), "the pinned flow still reaches " + owner.name);

                for (int i = 0; i < 6; i++) {
                    try (SocketChannel fresh = f.connect(Duration.ofSeconds(3))) {
                        assertEquals(other, LbFixture.reader(fresh).readLine(), "new flow " + i + " goes to the backend still up");
                    }
                }
                pinned.socket().getOutputStream().write("and again\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("and again", in.readLine());
            }
            // every flow was logged with the backend it was translated to: 1 to the owner, 6 elsewhere
            LbFixture.await("7 flows logged", () -> flows(f).size() >= 7);
            List<LbEvent> flows = flows(f);
            assertEquals(7, flows.size(), flows.toString());
            assertNotEquals(flows.get(0).backend(), flows.get(1).backend());
            for (int i = 1; i < 7; i++) assertEquals(flows.get(1).backend(), flows.get(i).backend());
            assertTrue(flows.get(0).detail().startsWith("10.213.0.50:"), flows.get(0).detail());
            // flows idle out after Azure's default 4 min: conntrack's established timeout in the lb namespace
            assertEquals("240", f.net.inNamespace(f.net.lbNamespace(), "sysctl", "-n",
                    "net.netfilter.nf_conntrack_tcp_timeout_established").stdout().strip());
        }
    }

    @Test
    void withNoBackendUpNewSynsAreDroppedSilently() throws Exception {
        try (LbFixture f = new LbFixture(1)) {
            FakeBackend b1 = f.backends.get(0);
            b1.closeTcpProbe();
            f.start(LbFixture.settings(1), b -> ProbeSpec.tcp(FakeBackend.TCP_PROBE_PORT));
            LbFixture.await("two failed probes", () -> f.history("b1").stream()
                    .filter(e -> e.detail().startsWith("FAILED_AT_ONCE")).count() >= 2);
            assertFalse(f.up("b1"));
            // the service port itself listens: only the balancer can make this connect time out
            IOException e = assertThrows(IOException.class, () -> f.connect(Duration.ofSeconds(2)).close());
            assertTrue(e instanceof SocketTimeoutException, "no RST, no refusal, just silence: " + e);
            assertTrue(flows(f).isEmpty(), "no flow was created");
        }
    }

    @Test
    void allProbedUpSendsNewFlowsToEveryBackendWhenNoneIsUp() throws Exception {
        try (LbFixture f = new LbFixture(1)) {
            f.backends.get(0).closeTcpProbe();
            f.start(LbFixture.settings(1).withNoBackendUp(NoBackendUpPolicy.ALL_PROBED_UP),
                    b -> ProbeSpec.tcp(FakeBackend.TCP_PROBE_PORT));
            LbFixture.await("a failed probe", () -> !f.history("b1").isEmpty());
            assertFalse(f.up("b1"));
            try (SocketChannel ch = f.connect(Duration.ofSeconds(3))) {
                assertEquals("b1", LbFixture.reader(ch).readLine());
            }
        }
    }

    @Test
    void thresholdTwoNeedsTwoSilentProbesToMarkDownAndTwoSuccessesToMarkUp() throws Exception {
        try (LbFixture f = new LbFixture(1)) {
            FakeBackend b1 = f.backends.get(0);
            f.start(LbFixture.settings(2), b -> ProbeSpec.tcp(FakeBackend.TCP_PROBE_PORT));
            LbFixture.await("b1 up", () -> f.up("b1"));
            assertStateChangeAfterExactly(f.history("b1"), "UP", "SUCCESS", 2, 0);

            f.silenceTcpProbe(b1, true);
            try {
                LbFixture.await("b1 down", () -> !f.up("b1"));
            } finally {
                f.silenceTcpProbe(b1, false);
            }
            assertStateChangeAfterExactly(f.history("b1"), "DOWN", "SILENT", 2, 1);

            LbFixture.await("b1 up again", () -> f.up("b1"));
            assertStateChangeAfterExactly(f.history("b1"), "UP", "SUCCESS", 2, 2);
        }
    }

    @Test
    void tcpRefusedMarksDownAtOnceEvenWithThresholdTwo() throws Exception {
        try (LbFixture f = new LbFixture(1)) {
            FakeBackend b1 = f.backends.get(0);
            f.start(LbFixture.settings(2), b -> ProbeSpec.tcp(FakeBackend.TCP_PROBE_PORT));
            LbFixture.await("b1 up", () -> f.up("b1"));
            b1.closeTcpProbe();
            LbFixture.await("b1 down", () -> !f.up("b1"));
            List<LbEvent> h = f.history("b1");
            assertStateChangeAfterExactly(h, "DOWN", "FAILED_AT_ONCE", 1, 1);
            assertTrue(h.get(indexOfState(h, "DOWN", 1) - 1).detail().contains("refused"), h.toString());
        }
    }

    @Test
    void httpAnswerOtherThan200MarksDownAtOnceAndSilenceCountsTowardsTheThreshold() throws Exception {
        try (LbFixture f = new LbFixture(1)) {
            FakeBackend b1 = f.backends.get(0);
            f.start(LbFixture.settings(2), b -> ProbeSpec.http(FakeBackend.HTTP_PROBE_PORT, "/health"));
            LbFixture.await("b1 up", () -> f.up("b1"));
            assertStateChangeAfterExactly(f.history("b1"), "UP", "SUCCESS", 2, 0);

            b1.httpStatus.set(503);
            LbFixture.await("b1 down", () -> !f.up("b1"));
            List<LbEvent> h = f.history("b1");
            assertStateChangeAfterExactly(h, "DOWN", "FAILED_AT_ONCE", 1, 1);
            assertTrue(h.get(indexOfState(h, "DOWN", 1) - 1).detail().contains("503"), h.toString());

            b1.httpStatus.set(200);
            LbFixture.await("b1 up again", () -> f.up("b1"));
            b1.httpStatus.set(0); // accepts, never answers: silence, counted towards N
            LbFixture.await("b1 down again", () -> !f.up("b1"));
            assertStateChangeAfterExactly(f.history("b1"), "DOWN", "SILENT", 2, 3);

            b1.httpStatus.set(200);
            LbFixture.await("b1 up a third time", () -> f.up("b1"));
            b1.httpStatus.set(-1); // garbage is an answer other than 200
            LbFixture.await("b1 down a third time", () -> !f.up("b1"));
            assertStateChangeAfterExactly(f.history("b1"), "DOWN", "FAILED_AT_ONCE", 1, 5);
        }
    }

    @Test
    void badAttachmentsAreRefusedWithAClearErrorAndLeaveTheNetworkUsable() throws Exception {
        try (LbFixture f = new LbFixture(1)) {
            IllegalArgumentException wrongSubnet = assertThrows(IllegalArgumentException.class,
                    () -> f.net.attachBackend(f.prefix + "-bx", LbSettings.ipv4("10.213.0.20")));
            assertTrue(wrongSubnet.getMessage().contains("10.213.1."), wrongSubnet.getMessage());
            assertThrows(IllegalArgumentException.class, () -> f.net.attachClient(f.prefix + "-cx", LbNetwork.FRONTEND));
            // a second network with the same prefix fails on the existing namespace and removes nothing of the first
            IOException dup = assertThrows(IOException.class, () -> LbNetwork.create(f.prefix, f.runner));
            assertTrue(dup.getMessage().contains("netns add"), dup.getMessage());
            f.start(LbFixture.settings(1), b -> ProbeSpec.tcp(FakeBackend.TCP_PROBE_PORT));
            LbFixture.await("b1 up", () -> f.up("b1"));
            try (SocketChannel ch = f.connect(Duration.ofSeconds(3))) {
                assertEquals("b1", LbFixture.reader(ch).readLine());
            }
        }
    }

    private static List<LbEvent> flows(LbFixture f) {
        return f.lb.events().stream().filter(e -> e.kind() == LbEvent.Kind.FLOW).toList();
    }

    private static int indexOfState(List<LbEvent> h, String state, int nth) {
        int seen = 0;
        for (int i = 0; i < h.size(); i++) {
            if (h.get(i).kind() == LbEvent.Kind.STATE && (seen++ == nth)) {
                assertTrue(h.get(i).detail().startsWith(state), "state change " + nth + " is " + h.get(i).detail());
                return i;
            }
        }
        throw new AssertionError("no state change " + nth + " in " + h);
    }

    /**
     * The nth state change (0-based) is to STATE and comes right after exactly COUNT probes of
     * OUTCOME since the previous state change or the start, with no other change in between:
     * fewer did not change the state.
     */
    private static void assertStateChangeAfterExactly(List<LbEvent> h, String state, String outcome, int count, int nth) {
        int at = indexOfState(h, state, nth);
        List<String> since = new ArrayList<>();
        for (int i = at - 1; i >= 0 && h.get(i).kind() == LbEvent.Kind.PROBE; i--) since.add(0, h.get(i).detail());
        assertTrue(since.size() >= count, "probes before the change: " + since);
        for (int i = since.size() - count; i < since.size(); i++)
            assertTrue(since.get(i).startsWith(outcome), "probe " + i + " before " + state + ": " + since);
        if (since.size() > count)
            assertFalse(since.get(since.size() - count - 1).startsWith(outcome),
                    "a run of " + count + " " + outcome + " probes, not more: " + since);
    }
}
