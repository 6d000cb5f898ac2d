package io.hadb.testbed.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.testbed.drbd.EmulatedPair;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Process management and teardown: a refused second up, crash and start of a node, down from any state. */
class SandboxLifecycleTest {
    private static final int BASE_PORT = 24306;

    @Test
    void secondUpIsRefusedCrashKillsTheWholeNodeStartBringsItBackAndDownLeavesNothing() throws Exception {
        Path dir = SandboxTesting.freshDir("life");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = SandboxTesting.tee(buf);
        Sandbox sb = SandboxTesting.sandbox(dir, BASE_PORT, out);
        SandboxLayout l = sb.layout();
        List<Long> groups = new ArrayList<>();
        try {
            String master = sb.up(Duration.ofSeconds(120)).master().orElseThrow(() -> new AssertionError(sb.status()));
            String follower = master.equals("hadb01") ? "hadb02" : "hadb01";
            for (SandboxLayout.Node n : SandboxLayout.NODES) groups.add(sb.agentPid(n.name()).orElseThrow());
            String config = Files.readString(l.config("hadb01"));

            Sandbox.SandboxException refused = assertThrows(Sandbox.SandboxException.class,
                    () -> SandboxTesting.sandbox(dir, BASE_PORT + 10, out).up(Duration.ofSeconds(5)));
            assertEquals(3, refused.exitCode());
            assertTrue(refused.getMessage().contains("already running"), refused.getMessage());
            for (int i = 0; i < groups.size(); i++)
                assertEquals(groups.get(i), sb.agentPid(SandboxLayout.NODES.get(i).name()).orElseThrow(), "agents untouched");
            assertEquals(config, Files.readString(l.config("hadb01")), "configuration untouched");
            assertTrue(Sandbox.probeOpen(SandboxLayout.node(master), l.probeTcpPort(), 500), "master still serving");

            // the follower's group is its agent and the emulator's events2 reader: all gone at once
            long fg = sb.agentPid(follower).orElseThrow();
            List<Long> members = ProcessGroups.members(fg);
            assertTrue(members.size() >= 2, "agent and its drbdsetup events2: " + members);
            sb.crash(follower);
            assertEquals(List.of(), ProcessGroups.members(fg));
            assertTrue(members.stream().allMatch(io.hadb.agent.os.ProcessSignals::isGone), "no pid of " + members + " lives");
            assertTrue(sb.status().lines().anyMatch(s -> s.startsWith(follower) && s.contains("down")));
            assertThrows(Sandbox.SandboxException.class, () -> sb.crash(follower), "crash of a node that is down");

            sb.start(follower);
            long back = sb.agentPid(follower).orElseThrow();
            assertTrue(back != fg);
            Sandbox.SandboxException twice = assertThrows(Sandbox.SandboxException.class, () -> sb.start(follower));
            assertEquals(3, twice.exitCode());
            groups.add(back);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!sb.status().lines().anyMatch(s -> s.startsWith(follower) && s.contains("follower")
                    && s.contains("Connected") && s.contains("UpToDate/UpToDate"))) {
                if (System.nanoTime() > deadline) throw new AssertionError(follower + " did not rejoin:\n" + sb.status());
                Thread.sleep(200);
            }

            assertTrue(Sandbox.down(dir, out));
            SandboxTesting.assertNothingLeft(dir, groups);
            assertTrue(Sandbox.down(dir, out), "down is idempotent");
        } finally {
            SandboxTesting.downQuietly(dir);
        }
    }

    /**
     * What an `up` that died half-way leaves (the emulator's loop device, a mount, no agent): a new `up`
     * refuses and changes nothing; down removes it all.
     */
    @Test
    void downCleansUpAfterAnUpThatDiedHalfWay() throws Exception {
        Path dir = SandboxTesting.freshDir("half");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = SandboxTesting.tee(buf);
        try {
            Files.createDirectories(dir);
            SandboxLayout l = SandboxTesting.sandbox(dir, BASE_PORT + 20, out).layout();
            l.save();
            EmulatedPair pair = EmulatedPair.create(l.emuDir(), SandboxLayout.RESOURCE, List.of("hadb01", "hadb02"),
                    Sandbox.KERNEL, 32);
            DrbdAdm d1 = new DrbdAdm(new CommandRunner(), SandboxLayout.RESOURCE, pair.settings("hadb01"));
            d1.up();
            d1.primaryForce();
            Path device = SandboxConfigs.device(l, "hadb01");
            assertTrue(new CommandRunner().run(Duration.ofSeconds(60), List.of("mkfs.ext4", "-q", "-F", device.toString())).ok());
            Files.createDirectories(l.mountpoint("hadb01"));
            assertTrue(new CommandRunner().run(Duration.ofSeconds(20), List.of("mount", device.toString(),
                    l.mountpoint("hadb01").toString())).ok());
            assertEquals(List.of(l.mountpoint("hadb01").toString()), Sandbox.mountedUnder(dir));

            Sandbox.SandboxException refused = assertThrows(Sandbox.SandboxException.class,
                    () -> SandboxTesting.sandbox(dir, BASE_PORT + 20, out).up(Duration.ofSeconds(5)));
            assertTrue(refused.getMessage().contains("sandbox down"), refused.getMessage());
            assertEquals(List.of(l.mountpoint("hadb01").toString()), Sandbox.mountedUnder(dir), "refusal changed nothing");

            assertTrue(Sandbox.down(dir, out));
            SandboxTesting.assertNothingLeft(dir, List.of());
            assertFalse(buf.toString().contains("cannot"), buf.toString());
        } finally {
            SandboxTesting.downQuietly(dir);
        }
    }
}
