package io.hadb.agent.probe;

import static io.hadb.agent.probe.ProbeGateTest.handshakeCompletes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The responder with a real gate: attached at every open, and a normal close still refuses. */
class ProbeResponderGateTest {
    private static final long MINUTE = 60_000_000_000L;

    private ProbeResponder probe;
    private InetSocketAddress tcp;

    @BeforeEach
    void start() throws Exception {
        tcp = new InetSocketAddress(ProbeResponderTest.LOOPBACK, ProbeResponderTest.freePort());
        probe = ProbeResponder.start(tcp, new InetSocketAddress(ProbeResponderTest.LOOPBACK, 0),
                () -> NodeState.unknown("node1"), null);
        probe.useGate(ProbeGate.load());
    }

    @AfterEach
    void stop() {
        if (probe != null) probe.close();
    }

    private static ProbeTransition await(CompletableFuture<ProbeTransition> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void theGateIsAttachedAtEveryOpenAndANormalCloseStillRefuses() throws Exception {
        for (int round = 0; round < 3; round++) {
            probe.allowUntil(System.nanoTime() + MINUTE);
            await(probe.setHealthy(true));
            assertTrue(probe.gateActive());
            ProbeResponderTest.assertHandshakeThenClosed(tcp);

            probe.allowUntil(System.nanoTime() - 1);
            assertFalse(handshakeCompletes(tcp), "past the deadline the open port is silent (round " + round + ")");
            assertTrue(probe.isHealthy(), "the agent has not closed the port: only the kernel keeps it silent");

            probe.allowUntil(System.nanoTime() + MINUTE);
            assertTrue(handshakeCompletes(tcp), "a renewed deadline reopens the gate");

            await(probe.setHealthy(false));
            ProbeResponderTest.assertRefused(tcp);
        }
    }

    @Test
    void aDeadlineGivenWhileClosedHoldsFromTheOpen() throws Exception {
        probe.allowUntil(System.nanoTime() - 1);
        await(probe.setHealthy(true));
        assertFalse(handshakeCompletes(tcp), "the new socket is gated before the open is reported");
        probe.allowUntil(System.nanoTime() + MINUTE);
        ProbeResponderTest.assertHandshakeThenClosed(tcp);
    }

    @Test
    void aGateGivenWhileOpenIsAttachedAtOnce() throws Exception {
        probe.close();
        probe = ProbeResponder.start(tcp, new InetSocketAddress(ProbeResponderTest.LOOPBACK, 0),
                () -> NodeState.unknown("node1"), null);
        await(probe.setHealthy(true));
        ProbeResponderTest.assertHandshakeThenClosed(tcp);
        probe.allowUntil(System.nanoTime() - 1);
        probe.useGate(ProbeGate.load());
        await(probe.setHealthy(true)); // a no-op that runs after useGate on the responder's loop
        assertTrue(probe.gateActive());
        assertFalse(handshakeCompletes(tcp));
    }

    @Test
    void withoutAGateTheTcpPortIgnoresTheDeadlineButHttpHonoursIt() throws Exception {
        probe.close();
        probe = ProbeResponder.start(tcp, new InetSocketAddress(ProbeResponderTest.LOOPBACK, 0),
                () -> NodeState.unknown("node1"), null);
        try (RawHttp h = new RawHttp(probe.http())) {
            await(probe.setHealthy(true));
            assertEquals(200, h.request("GET", "/master").status(), "no deadline given yet: healthy while open");
            probe.allowUntil(System.nanoTime() - 1);
            assertFalse(probe.gateActive());
            ProbeResponderTest.assertHandshakeThenClosed(tcp);
            assertEquals(503, h.request("GET", "/master").status(), "past the deadline /master says no");
            probe.allowUntil(System.nanoTime() + MINUTE);
            assertEquals(200, h.request("GET", "/master").status());
        }
    }

    @Test
    void httpFollowsTheDeadlineWithTheGate() throws Exception {
        try (RawHttp h = new RawHttp(probe.http())) {
            probe.allowUntil(System.nanoTime() + MINUTE);
            await(probe.setHealthy(true));
            assertEquals(200, h.request("GET", "/master").status());
            probe.allowUntil(System.nanoTime() - 1);
            assertEquals(503, h.request("GET", "/master").status());
            assertTrue(probe.isHealthy(), "the port itself is still open: the resource logic sees what is bound");
        }
    }
}
