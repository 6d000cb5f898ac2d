package io.hadb.agent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gate on a real listening socket on 127.0.0.1, with the real kernel's BPF. */
class ProbeGateTest {
    /** Long enough for a handshake on loopback, short enough to keep the tests quick; never asserted as a time. */
    static final int CONNECT_TIMEOUT_MS = 300;
    private static final long MINUTE = 60_000_000_000L;

    private ProbeGate gate;
    private ServerSocket listener;

    @BeforeEach
    void open() throws Exception {
        gate = ProbeGate.load();
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        if (gate != null) gate.close();
        if (listener != null) listener.close();
    }

    private InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    /** Whether a handshake with {@code to} completes; a refusal is an error, silence is false. */
    static boolean handshakeCompletes(InetSocketAddress to) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, CONNECT_TIMEOUT_MS);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Test
    void futureDeadlineLetsHandshakesThroughPastDeadlineSilencesThem() throws Exception {
        gate.allowUntil(System.nanoTime() + MINUTE);
        List<Integer> fds = gate.attach(listener.getLocalPort());
        assertEquals(1, fds.size(), "one listening socket on the port: " + fds);
        assertTrue(handshakeCompletes(address()), "before the deadline the handshake completes");

        gate.allowUntil(System.nanoTime() - 1);
        assertFalse(handshakeCompletes(address()), "after the deadline the SYN is dropped: no handshake, no refusal");

        gate.allowUntil(System.nanoTime() + MINUTE);
        assertTrue(handshakeCompletes(address()), "moving the deadline forward reopens the gate");
    }

    @Test
    void zeroAndNegativeDeadlinesCloseTheGate() throws Exception {
        gate.allowUntil(System.nanoTime() + MINUTE);
        gate.attach(listener.getLocalPort());
        gate.allowUntil(0);
        assertFalse(handshakeCompletes(address()), "0 closes the gate");
        gate.allowUntil(Long.MIN_VALUE);
        assertFalse(handshakeCompletes(address()), "a negative deadline is not read as the far future");
    }

    @Test
    void aNewGateStartsClosed() throws Exception {
        gate.attach(listener.getLocalPort());
        assertFalse(handshakeCompletes(address()), "the map starts at 0");
    }

    @Test
    void deadlineReachedWhileWaitingClosesTheGateWithoutAnyCall() throws Exception {
        long deadline = System.nanoTime() + 200_000_000L;
        gate.allowUntil(deadline);
        gate.attach(listener.getLocalPort());
        while (System.nanoTime() < deadline + 1_000_000L) Thread.sleep(20);
        assertFalse(handshakeCompletes(address()), "the kernel closed the gate at the deadline by itself");
    }

    @Test
    void anUngatedSocketOnAnotherPortIsUntouched() throws Exception {
        gate.attach(listener.getLocalPort()); // closed gate on this one
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertTrue(handshakeCompletes(new InetSocketAddress(other.getInetAddress(), other.getLocalPort())));
        }
    }

    @Test
    void attachingToAPortNobodyListensOnFails() throws Exception {
        int port = listener.getLocalPort();
        listener.close();
        ProbeGateException e = assertThrows(ProbeGateException.class, () -> gate.attach(port));
        assertTrue(e.getMessage().contains("no listening socket"), e.getMessage());
    }

    @Test
    void aClosedGateRefusesCallsAndGatedSocketsKeepTheLastDeadline() throws Exception {
        gate.allowUntil(System.nanoTime() + MINUTE);
        gate.attach(listener.getLocalPort());
        gate.close();
        assertThrows(ProbeGateException.class, () -> gate.allowUntil(0));
        assertThrows(ProbeGateException.class, () -> gate.attach(listener.getLocalPort()));
        assertTrue(handshakeCompletes(address()), "the socket holds the program and map itself");
        gate.close(); // twice is harmless
    }

    @Test
    void aClosedListenerStillRefusesWithAReset() throws Exception {
        gate.allowUntil(0);
        gate.attach(listener.getLocalPort());
        InetSocketAddress a = address();
        listener.close();
        assertThrows(ConnectException.class, () -> handshakeCompletes(a), "no listener: RST, as without a gate");
    }
}
