package io.hadb.testbed.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.exec.CommandRunner;
import io.hadb.testbed.agents.Launchers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A short drill in CI: a net-mode sandbox (each node in its own namespace behind the balancer, probe interval
 * 1 s), a client writing through the frontend without pause, one trial each of a node crash, a mysqld crash, a
 * symmetric partition of the master and a planned switchover. Fails on any lost acknowledged write, any row
 * found twice, any sample in which both probes were healthy, or a trial that did not recover; afterwards
 * nothing of the sandbox is left (processes, mounts, loop devices, namespaces).
 */
class DrillTest {
    /** Not 3306: the frontend and the nodes' mariadbd use this port, inside the sandbox's namespaces only. */
    private static final int BASE_PORT = 24306;

    @Test
    void noAcknowledgedWriteIsLostAndNeverTwoProbesHealthy() throws Exception {
        Path dir = SandboxTesting.freshDir("drill");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = SandboxTesting.tee(buf);
        SandboxLayout l = new SandboxLayout(dir, SandboxTesting.repoRoot(), BASE_PORT, BASE_PORT + 1, BASE_PORT + 2,
                BASE_PORT + 3, true, new NetMode(1, 1));
        Sandbox sb = new Sandbox(l, Launchers.classPath(), out);
        List<Long> groups = new ArrayList<>();
        List<DrillTrial> trials = List.of();
        try {
            Sandbox.UpResult up = sb.up(Duration.ofSeconds(120));
            for (SandboxLayout.Node n : SandboxLayout.NODES) groups.add(sb.agentPid(n.name()).orElseThrow());
            assertTrue(up.master().isPresent(), "a master's probe opened:\n" + sb.status());
            assertTrue(sb.status().contains("UP"), "the balancer marks a backend up:\n" + sb.status());

            Drill drill = new Drill(sb, out);
            trials = drill.run(List.of(FaultKind.CRASH, FaultKind.MYSQLD_CRASH, FaultKind.PARTITION, FaultKind.SWITCHOVER));
            out.print(Drill.table(trials));
            assertEquals(4, trials.size());
            for (DrillTrial t : trials) {
                assertNull(t.error(), "trial completed: " + t.line());
                assertTrue(t.acked() > 0, "writes were acknowledged: " + t.line());
                assertEquals(0, t.lostAcked(), "no acknowledged write lost: " + t.line());
                assertEquals(0, t.duplicates(), "no row twice: " + t.line());
                assertEquals(0, t.nonMasterAcks(), "every write acknowledged by the master of the moment: " + t.line());
                assertEquals(0, t.doubleHealthy(), "never two probes healthy: " + t.line());
            }
            assertFalse(trials.get(0).newMaster().equals(trials.get(0).oldMaster()), "a crash moves the master: "
                    + trials.get(0).line());
            DrillTrial crash = trials.get(0);
            assertTrue(crash.markedDownMs() >= 0 && crash.markedUpMs() >= crash.newUpMs(), "the balancer marked the old master"
                    + " down and the new one up, after its probe opened: " + crash.line());
            assertTrue(drill.replicaCheck().passed(), drill.replicaCheck().line());
            assertTrue(drill.replicaCheck().acked() > 0, drill.replicaCheck().line());
            assertFalse(trials.get(3).newMaster().equals(trials.get(3).oldMaster()), "a switchover moves the master: "
                    + trials.get(3).line());
        } finally {
            for (SandboxLayout.Node n : SandboxLayout.NODES) sb.agentPid(n.name()).ifPresent(groups::add);
            SandboxTesting.downQuietly(dir);
        }
        SandboxTesting.assertNothingLeft(dir, groups);
        String namespaces = new CommandRunner().run(Duration.ofSeconds(10), List.of("ip", "netns", "list")).stdout();
        for (String ns : NetSandbox.allNamespaces()) assertFalse(namespaces.contains(ns), "namespace " + ns + " left: " + namespaces);
    }
}
