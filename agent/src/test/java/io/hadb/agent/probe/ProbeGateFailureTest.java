package io.hadb.agent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every way the gate can fail ends in a typed error that says why, and the agent's entry point survives it. */
class ProbeGateFailureTest {

    @Test
    void aProgramTheVerifierRefusesFailsWithTheVerifierLog() {
        byte[] exitWithoutR0 = {(byte) 0x95, 0, 0, 0, 0, 0, 0, 0}; // "return r0" with r0 never written
        ProbeGateException e = assertThrows(ProbeGateException.class,
                () -> BpfSyscalls.loadSocketFilter("hadb_test", exitWithoutR0));
        assertTrue(e.getMessage().startsWith("bpf(BPF_PROG_LOAD) failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("verifier log: ") && e.getMessage().contains("R0"), e.getMessage());
    }

    @Test
    void updatingAMapThatIsNotThereFails() {
        ProbeGateException e = assertThrows(ProbeGateException.class, () -> BpfSyscalls.updateElement(-1, 0, 1));
        assertTrue(e.getMessage().startsWith("bpf(BPF_MAP_UPDATE_ELEM) failed: Bad file descriptor"), e.getMessage());
    }

    @Test
    void attachingToSomethingThatIsNotASocketFails() throws Exception {
        int map = BpfSyscalls.createArrayMap("hadb_test", 8, 1);
        try {
            ProbeGateException e = assertThrows(ProbeGateException.class, () -> BpfSyscalls.attachToSocket(map, map));
            assertTrue(e.getMessage().contains("SO_ATTACH_BPF") && e.getMessage().contains("errno 88"), e.getMessage());
        } finally {
            BpfSyscalls.close(map);
        }
    }

    @Test
    void javaNanoTimeIsTheKernelsMonotonicClock() throws Exception {
        // bpf_ktime_get_ns() is CLOCK_MONOTONIC; the gate's deadlines are System.nanoTime() values
        for (int i = 0; i < 100; i++) {
            long before = System.nanoTime();
            long mono = BpfSyscalls.monotonicNanos();
            long after = System.nanoTime();
            assertTrue(before <= mono && mono <= after, before + " <= " + mono + " <= " + after);
        }
    }

    /**
     * Without CAP_BPF and CAP_SYS_ADMIN (Debian's kernel.unprivileged_bpf_disabled is 2), loading fails: open()
     * returns empty after one warning that says what an operator loses, and nothing is thrown.
     */
    @Test
    void withoutTheCapabilitiesOpenWarnsOnceAndReturnsEmpty() throws Exception {
        List<String> cmd = List.of("setpriv", "--inh-caps", "-all", "--bounding-set", "-bpf,-sys_admin,-perfmon",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"),
                Child.class.getName());
        CommandResult r = new CommandRunner(Map.of()).run(Duration.ofSeconds(60), cmd);
        String all = r.stdout() + r.stderr();
        assertEquals(0, r.exitCode(), all);
        assertTrue(r.stdout().contains("gate: absent"), all);
        assertEquals(1, all.split("probe gate unavailable: ", -1).length - 1, "exactly one warning: " + all);
        assertTrue(all.contains("bpf(BPF_MAP_CREATE) failed: Operation not permitted (errno 1) (needs root or CAP_BPF)"
                + "; a frozen master may answer probes for a few ms after its lease"), all);
    }

    /** Runs in a JVM without the BPF capabilities. */
    static final class Child {
        public static void main(String[] args) {
            System.out.println("gate: " + (ProbeGate.open().isPresent() ? "present" : "absent"));
        }
    }
}
