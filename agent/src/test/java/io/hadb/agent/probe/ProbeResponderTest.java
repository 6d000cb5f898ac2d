package io.hadb.agent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdConnectionState;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdRole;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProbeResponderTest {
    static final String LOOPBACK = "127.0.0.1";

    private final AtomicReference<NodeState> state = new AtomicReference<>(NodeState.unknown("node1"));
    private ProbeResponder probe;
    private InetSocketAddress tcp;

    /** A port nobody listens on right now (the kernel's pick, released at once). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(LOOPBACK))) {
            return s.getLocalPort();
        }
    }

    @BeforeEach
    void start() throws Exception {
        tcp = new InetSocketAddress(LOOPBACK, freePort());
        probe = ProbeResponder.start(tcp, new InetSocketAddress(LOOPBACK, 0), state::get, () -> "hadb_term 1\n");
    }

    @AfterEach
    void stop() {
        if (probe != null) probe.close();
    }

    private static ProbeTransition await(CompletableFuture<ProbeTransition> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Connects, and expects the handshake to complete and the server to close without sending a byte. */
    static void assertHandshakeThenClosed(InetSocketAddress to) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, 5000);
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            assertEquals(-1, in.read(), "the probe port sends no data and closes");
        }
    }

    static void assertRefused(InetSocketAddress to) {
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(to, 5000);
            }
        }, "a closed probe port refuses the connection");
    }

    @Test
    void closedUntilHealthyThenHandshakeCompletes() throws Exception {
        assertFalse(probe.isHealthy());
        assertRefused(tcp);
        ProbeTransition t = await(probe.setHealthy(true));
        assertTrue(t.healthy());
        assertTrue(t.changed());
        assertTrue(probe.isHealthy());
        assertEquals(tcp, probe.tcp());
        assertHandshakeThenClosed(tcp);
        assertHandshakeThenClosed(tcp);
    }

    @Test
    void unhealthyRefusesConnections() throws Exception {
        await(probe.setHealthy(true));
        assertHandshakeThenClosed(tcp);
        ProbeTransition t = await(probe.setHealthy(false));
        assertFalse(t.healthy());
        assertTrue(t.changed());
        assertFalse(probe.isHealthy());
        assertRefused(tcp);
    }

    @Test
    void repeatedRequestsAreNoOps() throws Exception {
        assertFalse(await(probe.setHealthy(false)).changed(), "closing a closed port changes nothing");
        assertTrue(await(probe.setHealthy(true)).changed());
        ProbeTransition again = await(probe.setHealthy(true));
        assertTrue(again.healthy());
        assertFalse(again.changed());
        assertHandshakeThenClosed(tcp);
        assertTrue(await(probe.setHealthy(false)).changed());
        assertFalse(await(probe.setHealthy(false)).changed());
        assertRefused(tcp);
    }

    @Test
    void toggledManyTimesEachStateHolds() throws Exception {
        for (int i = 0; i < 100; i++) {
            assertTrue(await(probe.setHealthy(true)).healthy());
            assertHandshakeThenClosed(tcp);
            assertFalse(await(probe.setHealthy(false)).healthy());
            assertRefused(tcp);
        }
    }

    @Test
    void backToBackRequestsSettleOnTheLastAndEveryFutureCompletes() throws Exception {
        for (int round = 0; round < 20; round++) {
            List<CompletableFuture<ProbeTransition>> fs = new ArrayList<>();
            for (int i = 0; i < 9; i++) fs.add(probe.setHealthy(i % 2 == 0)); // ends with true
            for (CompletableFuture<ProbeTransition> f : fs) await(f);
            assertTrue(fs.get(fs.size() - 1).get().healthy());
            assertTrue(probe.isHealthy());
            assertHandshakeThenClosed(tcp);
            fs.clear();
            for (int i = 0; i < 9; i++) fs.add(probe.setHealthy(i % 2 != 0)); // ends with false
            // a close is visible to HTTP at once, before the loop has run it
            assertFalse(probe.isHealthy());
            for (CompletableFuture<ProbeTransition> f : fs) await(f);
            assertFalse(fs.get(fs.size() - 1).get().healthy());
            assertRefused(tcp);
        }
    }

    @Test
    void aTakenPortFailsTheOpenAndStaysUnhealthy() throws Exception {
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(tcp);
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(probe.setHealthy(true)));
            assertTrue(e.getCause() instanceof java.net.BindException, "cause: " + e.getCause());
            assertFalse(probe.isHealthy());
        }
        // once the port is free again a new request opens it
        assertTrue(await(probe.setHealthy(true)).healthy());
        assertHandshakeThenClosed(tcp);
    }

    @Test
    void portZeroIsChosenAtTheFirstOpenAndKept() throws Exception {
        try (ProbeResponder p = ProbeResponder.start(new InetSocketAddress(LOOPBACK, 0),
                new InetSocketAddress(LOOPBACK, 0), state::get, null)) {
            await(p.setHealthy(true));
            InetSocketAddress chosen = p.tcp();
            assertTrue(chosen.getPort() > 0);
            await(p.setHealthy(false));
            assertRefused(chosen);
            await(p.setHealthy(true));
            assertEquals(chosen, p.tcp());
            assertHandshakeThenClosed(chosen);
        }
    }

    @Test
    void httpAnswersFollowTheProbeAndTheState() throws Exception {
        try (RawHttp h = new RawHttp(probe.http())) {
            assertEquals(503, h.request("GET", "/master").status());
            assertEquals(503, h.request("GET", "/replica").status());
            RawHttp.Response health = h.request("GET", "/health");
            assertEquals(200, health.status());
            assertEquals("application/json", health.headers().get("content-type"));
            assertTrue(health.body().contains("\"node\":\"node1\""), health.body());
            assertEquals(404, h.request("GET", "/nothing").status());
            assertEquals(405, h.request("POST", "/master").status());

            await(probe.setHealthy(true));
            assertEquals(200, h.request("GET", "/master").status());
            assertTrue(h.request("GET", "/health").body().contains("\"probe_healthy\":true"));

            state.set(ProbeRoutesTest.state(DrbdRole.SECONDARY, DrbdDiskState.UPTODATE, DrbdConnectionState.CONNECTED));
            assertEquals(200, h.request("GET", "/replica").status());
            state.set(ProbeRoutesTest.state(DrbdRole.SECONDARY, DrbdDiskState.UPTODATE, DrbdConnectionState.CONNECTING));
            assertEquals(503, h.request("GET", "/replica").status());

            await(probe.setHealthy(false));
            assertEquals(503, h.request("GET", "/master").status());

            RawHttp.Response metrics = h.request("GET", "/metrics?x=1");
            assertEquals(200, metrics.status());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.headers().get("content-type"));
            assertEquals("hadb_term 1\n", metrics.body());
        }
    }

    @Test
    void headSendsTheHeadersWithoutABody() throws Exception {
        await(probe.setHealthy(true));
        try (RawHttp h = new RawHttp(probe.http())) {
            RawHttp.Response r = h.request("HEAD", "/master");
            assertEquals(200, r.status());
            assertEquals("7", r.headers().get("content-length"), "the length of the GET body, \"master\\n\"");
            // the connection is still in step: the next response starts right here, no body in between
            RawHttp.Response next = h.request("GET", "/master");
            assertEquals(200, next.status());
            assertEquals("master\n", next.body());
            assertEquals(503, h.request("HEAD", "/replica").status());
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (RawHttp h = new RawHttp(probe.http())) {
            h.send("GET /master HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            RawHttp.Response r = h.read(false);
            assertEquals(503, r.status());
            assertEquals("close", r.headers().get("connection"));
            assertTrue(h.closedByServer());
        }
        try (RawHttp h = new RawHttp(probe.http())) {
            h.send("GET /health HTTP/1.0\r\n\r\n"); // 1.0 without keep-alive: one request
            assertEquals(200, h.read(false).status());
            assertTrue(h.closedByServer());
        }
    }

    @Test
    void garbageGets400AndTheServerCarriesOn() throws Exception {
        String[] garbage = {"\u0001\u0002\u0003 garbage\r\n\r\n", "GET\r\n\r\n", "GET /master HTTP/9.x\r\n\r\n",
                "GET /master HTTP/1.1\r\nHost x\r\n\r\n", "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\n\r\n"};
        for (String g : garbage) {
            try (RawHttp h = new RawHttp(probe.http())) {
                h.send(g);
                assertEquals(400, h.read(false).status(), "for " + g.substring(0, Math.min(30, g.length())));
                assertTrue(h.closedByServer());
            }
        }
        try (RawHttp h = new RawHttp(probe.http())) {
            assertEquals(200, h.request("GET", "/health").status());
        }
    }

    @Test
    void aFailingStateSupplierGives500AndKeepsServing() throws Exception {
        try (ProbeResponder p = ProbeResponder.start(new InetSocketAddress(LOOPBACK, 0),
                new InetSocketAddress(LOOPBACK, 0), () -> {
                    throw new IllegalStateException("no state yet");
                }, null)) {
            try (RawHttp h = new RawHttp(p.http())) {
                assertEquals(500, h.request("GET", "/health").status());
                assertEquals(503, h.request("GET", "/master").status(), "/master needs only the probe flag");
            }
        }
    }

    @Test
    void closeReleasesBothPorts() throws Exception {
        await(probe.setHealthy(true));
        InetSocketAddress http = probe.http();
        probe.close();
        probe = null;
        assertRefused(tcp);
        assertRefused(http);
    }
}
