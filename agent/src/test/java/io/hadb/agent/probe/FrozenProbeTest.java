package io.hadb.agent.probe;

import static io.hadb.agent.probe.ProbeGateTest.handshakeCompletes;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.os.ProcessSignals;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The drill's "freeze" in miniature: a process that holds an open probe is stopped (SIGSTOP) past its
 * deadline. Its kernel would still complete handshakes for it; with the gate it stays silent, stopped and
 * after it is continued, until the process itself acts.
 */
class FrozenProbeTest {
    private static final int SIGSTOP = 19;
    private static final int SIGCONT = 18;
    private static final long WINDOW_NANOS = 1_500_000_000L;

    @Test
    void aStoppedProcessPastItsDeadlineCompletesNoHandshakeButWithoutAGateItWould() throws Exception {
        int gated = ProbeResponderTest.freePort();
        int ungated = ProbeResponderTest.freePort();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp",
                System.getProperty("java.class.path"), Holder.class.getName(), Integer.toString(gated),
                Integer.toString(ungated)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine(); // "open <deadline>", once both probes are open
            assertTrue(line != null && line.startsWith("open "), "the child opened its probes: " + line);
            long deadline = Long.parseLong(line.substring(5));
            InetSocketAddress g = new InetSocketAddress(ProbeResponderTest.LOOPBACK, gated);
            InetSocketAddress u = new InetSocketAddress(ProbeResponderTest.LOOPBACK, ungated);
            assertTrue(handshakeCompletes(g), "the gated probe answers before its deadline");

            ProcessSignals.signal(child.pid(), SIGSTOP);
            while (System.nanoTime() <= deadline) Thread.sleep(50);
            assertTrue(handshakeCompletes(u), "a stopped process's listener still completes handshakes (the bug)");
            assertFalse(handshakeCompletes(g), "the gated listener of the stopped process is silent past the deadline");

            ProcessSignals.signal(child.pid(), SIGCONT); // thawed: until it acts, the kernel still keeps it silent
            assertFalse(handshakeCompletes(g), "silent after the thaw as well");
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A process with two open probes, one gated until a deadline it prints, then idle. */
    static final class Holder {
        public static void main(String[] args) throws Exception {
            ProbeResponder gated = ProbeResponder.start(new InetSocketAddress(ProbeResponderTest.LOOPBACK,
                    Integer.parseInt(args[0])), new InetSocketAddress(ProbeResponderTest.LOOPBACK, 0),
                    () -> NodeState.unknown("frozen"), null);
            ProbeResponder ungated = ProbeResponder.start(new InetSocketAddress(ProbeResponderTest.LOOPBACK,
                    Integer.parseInt(args[1])), new InetSocketAddress(ProbeResponderTest.LOOPBACK, 0),
                    () -> NodeState.unknown("frozen"), null);
            gated.useGate(ProbeGate.load());
            gated.allowUntil(Long.MAX_VALUE);
            for (ProbeResponder p : List.of(gated, ungated)) p.setHealthy(true).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + WINDOW_NANOS; // as a lease renewal moves it
            gated.allowUntil(deadline);
            System.out.println("open " + deadline);
            System.out.flush();
            Thread.sleep(120_000); // the test kills it
        }
    }
}
