package io.hadb.testbed.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.drbd.DrbdConnectionState;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdEventsStream;
import io.hadb.agent.drbd.DrbdReplicationState;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.drbd.DrbdRole;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emulator's fault commands, on real loop devices and ext4, seen through the agent's driver. */
class DrbdEmulatorFaultTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir
    Path tmp;
    private final CommandRunner runner = new CommandRunner();
    private final List<Path> mounts = new ArrayList<>();

    private void sh(String... cmd) throws Exception {
        CommandResult r = runner.run(Duration.ofSeconds(60), List.of(cmd));
        if (!r.ok()) throw new AssertionError(r.summary());
    }

    private Path mount(EmulatedPair pair, String node) throws Exception {
        Path mp = tmp.resolve("mnt-" + node);
        Files.createDirectories(mp);
        sh("mount", "-t", "ext4", pair.device(node), mp.toString());
        mounts.add(mp);
        return mp;
    }

    private void umount(Path mp) throws Exception {
        sh("umount", mp.toString());
        mounts.remove(mp);
    }

    private static void emu(EmulatedPair pair, String... args) throws Exception {
        CommandResult r = pair.emu(args);
        assertTrue(r.ok(), r.summary());
    }

    /** Appends a line and fsyncs it: an acknowledged write. */
    private static void ack(Path mp, String text) throws IOException {
        try (FileOutputStream out = new FileOutputStream(mp.resolve("log").toFile(), true)) {
            out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            out.getFD().sync();
        }
    }

    private static String log(Path mp) throws IOException {
        return Files.readString(mp.resolve("log"));
    }

    private static DrbdResourceState await(String what, DrbdAdm adm, Predicate<DrbdResourceState> ok) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        DrbdResourceState s = adm.status();
        while (!ok.test(s)) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + "; last " + s.summary());
            Thread.sleep(50);
            s = adm.status();
        }
        return s;
    }

    @Test
    void linkCutForksNodeCrashKeepsAckedWritesAndDiskFailureGivesIoErrors() throws Exception {
        EmulatedPair pair = EmulatedPair.create(tmp.resolve("emu"), "r0", List.of("node1", "node2"), "9", 32)
                .withEnv("HADB_EMU_SYNC_MS", "200");
        List<DrbdResourceState> seen1 = new CopyOnWriteArrayList<>();
        DrbdEventsStream s1 = new DrbdEventsStream("r0", DrbdEventsStream.command(pair.bin().resolve("drbdsetup").toString(), "r0"),
                pair.env("node1"), seen1::add, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(20));
        DrbdEventsStream s2 = new DrbdEventsStream("r0", DrbdEventsStream.command(pair.bin().resolve("drbdsetup").toString(), "r0"),
                pair.env("node2"), s -> { }, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(20));
        try {
            DrbdAdm n1 = new DrbdAdm(runner, "r0", pair.settings("node1"));
            DrbdAdm n2 = new DrbdAdm(runner, "r0", pair.settings("node2"));
            s1.start();
            s2.start();
            n1.up();
            n2.up();
            n1.primaryForce();
            await("initial sync", n2, DrbdResourceState::healthyPair);
            sh("mkfs.ext4", "-q", "-F", pair.device("node1"));
            Path m1 = mount(pair, "node1");
            ack(m1, "a");

            // link cut: both keep going alone; node2 forks a crash-consistent copy of node1's image
            emu(pair, "cut-link", "r0");
            DrbdResourceState alone = await("link loss seen", n1, s -> s.connection() == DrbdConnectionState.CONNECTING);
            assertEquals(DrbdRole.UNKNOWN, alone.peerRole());
            assertTrue(seen1.stream().anyMatch(s -> s.connection() == DrbdConnectionState.NETWORK_FAILURE),
                    "events2 showed NetworkFailure");
            ack(m1, "b");
            emu(pair, "restore-link", "r0");
            await("resync after the link came back", n2, DrbdResourceState::healthyPair);

            // planned switchover through the driver: node2 must see both writes
            umount(m1);
            n1.secondary();
            n2.primary();
            Path m2 = mount(pair, "node2");
            assertEquals("a\nb\n", log(m2));
            ack(m2, "c");

            // node2's kernel vanishes while Primary: node1 sees the failure, promotes, has every acked write
            emu(pair, "node-down", "node2");
            await("peer loss", n1, s -> !s.connected() && s.peerRole() == DrbdRole.UNKNOWN);
            n1.primary();
            m1 = mount(pair, "node1");
            assertEquals("a\nb\nc\n", log(m1));
            ack(m1, "d");
            // node2 "reboots": its old mount goes, `up` again, it resyncs as SyncTarget
            umount(m2);
            n2.up();
            await("node2 resynced", n2, s -> s.healthyPair() && s.peerRole() == DrbdRole.PRIMARY);
            assertTrue(s2.processStarts() >= 2, "node2's events2 stream ended with its kernel and was restarted");
            assertTrue(seen1.stream().anyMatch(s -> s.replication() == DrbdReplicationState.SYNC_SOURCE && s.outOfSyncKiB() > 0));

            // disk failure while connected: Diskless, I/O goes on through the peer
            emu(pair, "fail-disk", "node1", "r0");
            DrbdResourceState diskless = await("diskless", n1, s -> s.disk() == DrbdDiskState.DISKLESS);
            assertEquals(DrbdDiskState.UPTODATE, diskless.peerDisk());
            assertEquals(DrbdDiskState.DISKLESS, await("peer sees it", n2, s -> s.peerDisk() == DrbdDiskState.DISKLESS).peerDisk());
            ack(m1, "e");
            // ... and once the peer is gone too, writers get I/O errors
            emu(pair, "cut-link", "r0");
            Path mp1 = m1;
            assertThrows(IOException.class, () -> ack(mp1, "f"));
            umount(m1);
            assertFalse(n1.status().connected());
        } finally {
            s1.stop();
            s2.stop();
            for (Path mp : new ArrayList<>(mounts)) runner.run(Duration.ofSeconds(30), List.of("umount", mp.toString()));
            pair.close();
        }
        assertTrue(runner.run(Duration.ofSeconds(10), List.of("losetup", "-j", pair.image("node1").toString())).stdout().isBlank());
        assertTrue(runner.run(Duration.ofSeconds(10), List.of("losetup", "-j", pair.image("node2").toString())).stdout().isBlank());
    }
}
