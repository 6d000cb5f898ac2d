package io.hadb.agent.probe;

import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * A deadline the kernel enforces on the TCP probe port, so that a master frozen past its lease (a VM paused
 * for maintenance, every process stopped) does not answer probes on thaw before the agent runs again and
 * closes the port. An eBPF socket filter on the listening socket compares bpf_ktime_get_ns() with a deadline
 * in a one-entry array map: before it the SYN and the handshake's last ACK pass, after it they are dropped,
 * so a late probe gets silence, which the load balancer counts as a failure.
 *
 * <p>Deadlines are {@link System#nanoTime()} values: on Linux that is CLOCK_MONOTONIC, the clock of
 * bpf_ktime_get_ns(), which {@link #load()} checks. The map starts at 0 (drop everything): set the deadline
 * before the port opens. One gate serves every socket it is attached to. Thread-safe.
 */
public final class ProbeGate implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("hadb.probe");
    private static final String NAME = "hadb_probe_gate";

    private final int mapFd;
    private final int progFd;
    private boolean closed;

    private ProbeGate(int mapFd, int progFd) {
        this.mapFd = mapFd;
        this.progFd = progFd;
    }

    /**
     * Loads the gate, or logs one warning saying why it cannot and returns empty: the agent goes on without
     * it (old kernel, no root or CAP_BPF, the verifier refused the program).
     */
    public static Optional<ProbeGate> open() {
        try {
            ProbeGate g = load();
            LOG.info("probe gate loaded: the kernel stops completing probe handshakes at the lease's stop time");
            return Optional.of(g);
        } catch (ProbeGateException | RuntimeException | LinkageError e) {
            LOG.warning("probe gate unavailable: " + e.getMessage()
                    + "; a frozen master may answer probes for a few ms after its lease");
            return Optional.empty();
        }
    }

    /** Creates the map and loads the program; every failure is a {@link ProbeGateException} that says why. */
    static ProbeGate load() throws ProbeGateException {
        checkClock();
        int map = BpfSyscalls.createArrayMap(NAME, 8, 1);
        try {
            int prog = BpfSyscalls.loadSocketFilter(NAME, SocketFilterProgram.assemble(map));
            return new ProbeGate(map, prog);
        } catch (ProbeGateException | RuntimeException e) {
            BpfSyscalls.close(map);
            throw e;
        }
    }

    /** The gate compares against System.nanoTime() values: make sure they are CLOCK_MONOTONIC here. */
    private static void checkClock() throws ProbeGateException {
        for (int attempt = 0; attempt < 3; attempt++) {
            long before = System.nanoTime();
            long mono = BpfSyscalls.monotonicNanos();
            long after = System.nanoTime();
            if (before <= mono && mono <= after) return;
        }
        throw new ProbeGateException("System.nanoTime() is not CLOCK_MONOTONIC on this JVM");
    }

    /**
     * From now on the gated sockets complete handshakes only while CLOCK_MONOTONIC is before
     * {@code monotonicNanos} (a {@link System#nanoTime()} value); 0 or less closes the gate at once.
     */
    public synchronized void allowUntil(long monotonicNanos) throws ProbeGateException {
        if (closed) throw new ProbeGateException("probe gate is closed");
        // the program compares unsigned: a negative deadline would read as the far future
        BpfSyscalls.updateElement(mapFd, 0, Math.max(0, monotonicNanos));
    }

    /**
     * Attaches the gate to this process's socket(s) listening on TCP {@code port}; returns their fds.
     * Fails when the process does not listen on the port or the kernel refuses the attach.
     */
    public synchronized List<Integer> attach(int port) throws ProbeGateException {
        if (closed) throw new ProbeGateException("probe gate is closed");
        List<Integer> fds = ListeningSocketFinder.find(port);
        if (fds.isEmpty()) throw new ProbeGateException("no listening socket of this process on TCP port " + port);
        for (int fd : fds) BpfSyscalls.attachToSocket(fd, progFd);
        return fds;
    }

    /**
     * Releases this process's handles on the map and program. Sockets already gated keep both until they
     * close, at the deadline last set.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        BpfSyscalls.close(progFd);
        BpfSyscalls.close(mapFd);
    }
}
