package io.hadb.testbed.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.drbd.DrbdCommandException;
import io.hadb.agent.drbd.DrbdEvents2Parser;
import io.hadb.agent.drbd.DrbdEventsStream;
import io.hadb.agent.drbd.DrbdReplicationState;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.drbd.DrbdStatusParser;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays the recorded scenario (samples/scenario.sh) against two emulated nodes with real loop
 * devices, ext4 and mounts, driving them through the agent's DrbdAdm and DrbdEventsStream, and
 * compares, step by step, the states the agent's parsers read with those read from real DRBD's
 * output, and the refusals' exit codes and messages.
 */
class DrbdEmulatorScenarioTest {
    private static final String H1 = "hadb01", H2 = "hadb02";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private final CommandRunner runner = new CommandRunner();
    private final List<Path> mounts = new ArrayList<>();

    /** The fields a step compares: what an agent decides on. */
    private static String fields(DrbdResourceState s) {
        return s.role() + "/" + s.peerRole() + " " + s.disk().text() + "/" + s.peerDisk().text() + " "
                + s.connection().text() + " " + s.replication().text() + (s.splitBrain() ? " split-brain" : "");
    }

    private static DrbdResourceState real(String node, String section) throws Exception {
        return DrbdStatusParser.parseText("r0", RealSamples.step(node, section, "drbdadm status r0").output());
    }

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

    /** unshare has made its namespace (a copy of this one, with mp mounted) and exec'd sleep. */
    private static void awaitCopyOf(long pid, Path mp) throws Exception {
        for (int i = 0; i < 250; i++) {
            try {
                if (Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip().equals("sleep")
                        && Files.readString(Path.of("/proc", Long.toString(pid), "mountinfo")).contains(" " + mp + " ")) return;
            } catch (java.io.IOException e) {
                // not there yet
            }
            Thread.sleep(20);
        }
        throw new AssertionError("pid " + pid + " never showed a copy of " + mp);
    }

    private void write(Path mp, String text) throws Exception {
        Files.writeString(mp.resolve("f"), text);
        sh("sync", "-f", mp.resolve("f").toString());
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

    /** The events2 stream's state must come to agree with status (it is where the agent looks). */
    private static void streamAgrees(DrbdEventsStream stream, DrbdResourceState status) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (stream.current() == null || !fields(stream.current()).replace(" split-brain", "")
                .equals(fields(status).replace(" split-brain", ""))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("events2 says " + (stream.current() == null ? "nothing" : fields(stream.current()))
                        + " but status says " + fields(status));
            }
            Thread.sleep(20);
        }
    }

    private void compare(boolean kernel84, EmulatedPair pair, DrbdAdm adm, DrbdEventsStream stream, String node,
                         String section) throws Exception {
        DrbdResourceState emu = adm.status();
        assertEquals(fields(real(node, section)), fields(emu), node + " at '" + section + "'");
        streamAgrees(stream, emu);
        if (kernel84) {
            // the 8.4 text itself, line for line
            for (String cmd : List.of("status", "role", "dstate", "cstate")) {
                RealSamples.Step want = RealSamples.step(node, section, "drbdadm " + cmd + " r0");
                CommandResult got = pair.run(node, "drbdadm", cmd, "r0");
                assertEquals(want.exit(), got.exitCode(), cmd + " at " + section);
                assertEquals(want.output(), got.stdout() + got.stderr(), "drbdadm " + cmd + " on " + node + " at '" + section + "'");
            }
        }
    }

    private static void refused(DrbdAdm.Settings unused, String node, String command, String section, boolean kernel84,
                                DrbdCommandException.Kind kind, Runner r) throws Exception {
        RealSamples.Step want = RealSamples.refusal(node, command, section);
        try {
            r.run();
            throw new AssertionError(command + " on " + node + " was not refused");
        } catch (DrbdCommandException e) {
            assertEquals(kind, e.kind(), e.getMessage());
            assertEquals(want.exit(), e.exitCode(), command);
            assertEquals(kind, DrbdCommandException.classify(want.exit(), want.output()));
            if (kernel84) assertEquals(want.output().strip(), e.toolMessage(), command + " message");
        }
    }

    interface Runner {
        void run() throws Exception;
    }

    @ParameterizedTest(name = "kernel {0}")
    @ValueSource(strings = {"8.4", "9"})
    void scenarioMatchesRealDrbd(String kernel) throws Exception {
        boolean k84 = kernel.equals("8.4");
        EmulatedPair pair = EmulatedPair.create(tmp.resolve("emu"), "r0", List.of(H1, H2), kernel, 32)
                .withEnv("HADB_EMU_SYNC_MS", "300");
        Map<String, List<DrbdResourceState>> seen = new HashMap<>();
        Map<String, DrbdEventsStream> streams = new HashMap<>();
        Map<String, Path> rawEvents = new HashMap<>();
        try {
            DrbdAdm a1 = new DrbdAdm(runner, "r0", pair.settings(H1));
            DrbdAdm a2 = new DrbdAdm(runner, "r0", pair.settings(H2));
            assertEquals(k84 ? "8.4.11" : "9.2.2", a1.version().kernelVersion());
            for (String n : List.of(H1, H2)) {
                List<DrbdResourceState> got = new CopyOnWriteArrayList<>();
                seen.put(n, got);
                DrbdEventsStream s = new DrbdEventsStream("r0", DrbdEventsStream.command(pair.bin().resolve("drbdsetup").toString(), "r0"),
                        pair.env(n), got::add, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(20));
                s.start();
                streams.put(n, s);
            }
            DrbdEventsStream s1 = streams.get(H1), s2 = streams.get(H2);

            a1.up();
            a2.up();
            await("connected", a1, DrbdResourceState::connected);
            // both fresh: no UpToDate data anywhere, so promotion without --force is refused
            try {
                a1.primary();
                throw new AssertionError("promotion of an Inconsistent disk was accepted");
            } catch (DrbdCommandException e) {
                assertEquals(DrbdCommandException.Kind.NO_UP_TO_DATE_DATA, e.kind());
                assertEquals(17, e.exitCode());
            }
            a1.primaryForce();
            await("initial sync", a2, DrbdResourceState::healthyPair);
            compare(k84, pair, a1, s1, H1, "synced, hadb01 Primary");

            sh("mkfs.ext4", "-q", "-F", pair.device(H1));
            Path m1 = mount(pair, H1);
            write(m1, "one");
            refused(null, H1, "drbdadm secondary r0", null, k84, DrbdCommandException.Kind.DEVICE_HELD_OPEN, a1::secondary);

            compare(k84, pair, a2, s2, H2, "peer Primary");
            refused(null, H2, "drbdadm primary r0", "peer Primary", k84, DrbdCommandException.Kind.PEER_IS_PRIMARY, a2::primary);
            refused(null, H2, "drbdadm primary --force r0", "peer Primary", k84, DrbdCommandException.Kind.PEER_IS_PRIMARY,
                    a2::primaryForce);

            // a mount namespace copied while it was mounted keeps the device open after the unmount here:
            // DRBD counts that open, so the emulator must too (its own mountinfo no longer shows it)
            Process copy = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sleep", "60")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                awaitCopyOf(copy.pid(), m1);
                umount(m1);
                refused(null, H1, "drbdadm secondary r0", null, k84, DrbdCommandException.Kind.DEVICE_HELD_OPEN,
                        a1::secondary);
            } finally {
                copy.destroyForcibly();
                copy.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            a1.secondary();
            compare(k84, pair, a1, s1, H1, "both Secondary");

            a2.disconnect();
            compare(k84, pair, a2, s2, H2, "we disconnected (StandAlone)");
            compare(k84, pair, a1, s1, H1, "peer disconnected (we see it gone)");

            a1.primary();
            m1 = mount(pair, H1);
            assertEquals("one", Files.readString(m1.resolve("f")));
            write(m1, "two");
            compare(k84, pair, a1, s1, H1, "Primary alone, wrote while disconnected");

            a2.outdate();
            compare(k84, pair, a2, s2, H2, "outdated ourselves");
            refused(null, H2, "drbdadm primary r0", "outdated ourselves", k84, DrbdCommandException.Kind.NO_UP_TO_DATE_DATA,
                    a2::primary);

            a2.connect();
            await("resync", a2, DrbdResourceState::healthyPair);
            compare(k84, pair, a2, s2, H2, "reconnected, resynced from peer");
            compare(k84, pair, a1, s1, H1, "after peer reconnected and resynced");
            assertTrue(seen.get(H2).stream().anyMatch(s -> s.replication() == DrbdReplicationState.SYNC_TARGET
                    && s.outOfSyncKiB() > 0 && s.resyncDone().isPresent()), "hadb02's stream showed the resync");
            assertTrue(seen.get(H1).stream().anyMatch(s -> s.replication() == DrbdReplicationState.SYNC_SOURCE),
                    "hadb01's stream showed itself as SyncSource");

            // split brain: both disconnect, both Primary, both write, reconnect
            a1.disconnect();
            write(m1, "three-a");
            a2.disconnect();
            a2.primaryForce();
            Path m2 = mount(pair, H2);
            assertEquals("two", Files.readString(m2.resolve("f")), "hadb02 resynced before the cut");
            write(m2, "three-b");
            compare(k84, pair, a2, s2, H2, "both Primary while disconnected");
            a2.connect();
            a1.connect();
            for (String n : List.of(H1, H2)) {
                DrbdEventsStream st = streams.get(n);
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (st.current() == null || !st.current().splitBrain()) {
                    if (System.nanoTime() > deadline) throw new AssertionError(n + " never saw the split brain");
                    Thread.sleep(20);
                }
            }
            compare(k84, pair, a2, s2, H2, "after reconnect with both sides written (split brain?)");
            compare(k84, pair, a1, s1, H1, "after reconnect with both sides written (split brain?)");
            assertEquals("three-a", Files.readString(m1.resolve("f")));
            assertEquals("three-b", Files.readString(m2.resolve("f")));

            umount(m2);
            a2.secondary();
            assertEquals(0, pair.run(H2, "drbdadm", "down", "r0").exitCode());
            assertFalse(a2.status().exists());
            if (k84) {
                for (String cmd : List.of("status", "role", "dstate", "cstate")) {
                    RealSamples.Step want = RealSamples.step(H2, "down", "drbdadm " + cmd + " r0");
                    CommandResult got = pair.run(H2, "drbdadm", cmd, "r0");
                    assertEquals(want.exit(), got.exitCode(), cmd + " after down");
                    assertEquals(want.output(), got.stdout() + got.stderr(), cmd + " after down");
                }
            }
            // 8.4's drbdsetup has no status --json, exactly as recorded
            CommandResult json = pair.run(H1, "drbdsetup", "status", "--json");
            if (k84) {
                RealSamples.Step want = RealSamples.steps("commands-primary.hadb01.txt").stream()
                        .filter(s -> s.command().equals("drbdsetup status --json")).findFirst().orElseThrow();
                assertEquals(want.exit(), json.exitCode());
                assertEquals(want.output(), json.stdout() + json.stderr());
            } else {
                assertEquals(0, json.exitCode());
                assertEquals("Primary", DrbdStatusParser.parseJson("r0", json.stdout()).role().text());
            }
            rawEvents.put(H1, pair.dir().resolve("state/r0/events." + H1));
            rawEvents.put(H2, pair.dir().resolve("state/r0/events." + H2));
            for (Path ev : rawEvents.values()) assertShapesAsRecorded(ev);
        } finally {
            for (DrbdEventsStream s : streams.values()) s.stop();
            for (Path mp : new ArrayList<>(mounts)) runner.run(Duration.ofSeconds(30), List.of("umount", mp.toString()));
            pair.close();
        }
        assertTrue(runner.run(Duration.ofSeconds(10), List.of("losetup", "-j", pair.image(H1).toString())).stdout().isBlank(),
                "cleanup detached the loop devices");
    }

    /** Every line the emulator printed has a shape (verb, object, keys in order) that real DRBD printed. */
    private static void assertShapesAsRecorded(Path emulatorLog) throws Exception {
        Set<String> recorded = new HashSet<>();
        try (var files = Files.walk(RealSamples.dir())) {
            for (Path f : files.filter(p -> p.getFileName().toString().contains("events2")).toList()) {
                for (String l : Files.readAllLines(f)) recorded.add(shape(l));
            }
        }
        for (String raw : Files.readAllLines(emulatorLog)) {
            String line = raw.split("\t")[0] + " " + raw.split("\t")[1];
            new DrbdEvents2Parser("r0").accept(line); // parses
            assertTrue(recorded.contains(shape(line)), "no line of this shape in the recordings: " + line);
        }
    }

    private static String shape(String line) {
        StringBuilder b = new StringBuilder();
        String[] tok = line.split(" ");
        for (int i = 1; i < tok.length; i++) {
            int c = tok[i].indexOf(':');
            b.append(i <= 2 ? tok[i] : c > 0 ? tok[i].substring(0, c) : tok[i]).append(' ');
        }
        return b.toString();
    }
}
