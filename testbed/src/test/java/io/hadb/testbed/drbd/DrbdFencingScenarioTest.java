package io.hadb.testbed.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.drbd.DrbdCommandException;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.drbd.DrbdStatusParser;
import io.hadb.agent.drbd.DrbdSuspension;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays the three fencing recordings (drbd-samples/fencing/1..3, real DRBD 8.4 with `fencing
 * resource-and-stonith` and a recording fence-peer handler) against two emulated nodes on loop
 * devices and ext4: states parsed from the emulator compared step by step with those parsed from
 * the recordings, the helper and suspension lines of events2 line for line, the handlers'
 * environments, and a writer that appends+fsyncs sequence numbers loses no acknowledged one.
 */
class DrbdFencingScenarioTest {
    private static final String H1 = "hadb01", H2 = "hadb02";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Set<String> HELPERS = Set.of("fence-peer", "unfence-peer", "after-resync-target",
            "pri-on-incon-degr", "split-brain", "initial-split-brain");

    @TempDir
    Path tmp;

    private final CommandRunner runner = new CommandRunner();
    private final List<Path> mounts = new ArrayList<>();
    private final List<Writer> writers = new ArrayList<>();
    private EmulatedPair pair;
    private String sample;
    private DrbdAdm a1, a2;
    private Path m1, m2;
    private final long[] setupOffset = new long[2];

    // ------------------------------------------------------------------ the writer

    /** Appends a sequence number and fsyncs it; only then is it acknowledged (kept outside DRBD). */
    static final class Writer extends Thread {
        final Path log;
        final List<Long> acked = new CopyOnWriteArrayList<>();
        volatile boolean killed;
        volatile IOException failure;

        Writer(Path mount, String name) {
            super("fw-" + name);
            setDaemon(true);
            this.log = mount.resolve("log");
        }

        @Override
        public void run() {
            long i = 0;
            try {
                if (Files.exists(log)) {
                    List<String> lines = Files.readAllLines(log);
                    for (String l : lines) if (l.matches("\\d+")) i = Long.parseLong(l);
                }
                while (!killed) {
                    i++;
                    try (FileOutputStream out = new FileOutputStream(log.toFile(), true)) {
                        out.write((i + "\n").getBytes(StandardCharsets.UTF_8));
                        out.getFD().sync();
                    }
                    // like SIGKILL delivered on return from a blocked syscall: a killed writer acknowledges nothing
                    if (killed) return;
                    acked.add(i);
                    Thread.sleep(20);
                }
            } catch (IOException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The kernel's state letter of this thread (D while blocked on frozen I/O), by its native name. */
        String kernelState() throws IOException {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path t : tasks) {
                    if (Files.readString(t.resolve("comm")).strip().equals(getName())) {
                        String stat = Files.readString(t.resolve("stat"));
                        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
                    }
                }
            }
            return "?";
        }
    }

    private Writer startWriter(Path mount, String name) throws Exception {
        Writer w = new Writer(mount, name);
        writers.add(w);
        w.start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (w.acked.size() < 5) {
            if (System.nanoTime() > deadline || !w.isAlive()) throw new AssertionError("writer did not get going: " + w.failure);
            Thread.sleep(20);
        }
        return w;
    }

    /** Every acknowledged number is in the log the other node now reads. */
    private static void noAckedWriteLost(Writer w, Path mount) throws IOException {
        Set<Long> have = new TreeSet<>();
        for (String l : Files.readAllLines(mount.resolve("log"))) if (l.matches("\\d+")) have.add(Long.parseLong(l));
        for (long n : w.acked) assertTrue(have.contains(n), "acknowledged " + n + " is lost; log ends " + have);
    }

    // ------------------------------------------------------------------ plumbing

    private CommandResult sh(String... cmd) throws Exception {
        return runner.run(Duration.ofSeconds(60), List.of(cmd));
    }

    private void ok(String... cmd) throws Exception {
        CommandResult r = sh(cmd);
        if (!r.ok()) throw new AssertionError(r.summary());
    }

    private Path mount(String node) throws Exception {
        Path mp = tmp.resolve("mnt-" + node);
        Files.createDirectories(mp);
        ok("mount", "-t", "ext4", pair.device(node), mp.toString());
        mounts.add(mp);
        return mp;
    }

    private void umount(Path mp) throws Exception {
        ok("umount", mp.toString());
        mounts.remove(mp);
    }

    private void emu(String... args) throws Exception {
        CommandResult r = pair.emu(args);
        assertTrue(r.ok(), r.summary());
    }

    private void answer(String node, int rc) throws IOException {
        Files.writeString(tmp.resolve("fp-rc." + node), rc + "\n");
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

    private void awaitLog(String what, Path file, Predicate<String> ok) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Files.exists(file) || !ok.test(Files.readString(file))) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + " in " + file);
            Thread.sleep(50);
        }
    }

    private static String fields(DrbdResourceState s) {
        return s.role() + "/" + s.peerRole() + " " + s.disk().text() + "/" + s.peerDisk().text() + " "
                + s.connection().text() + " " + s.replication().text() + " suspended:" + s.suspended();
    }

    /** The `drbdadm status` block of a snapshot section of a recorded steps file. */
    private DrbdResourceState recorded(String node, String section) throws Exception {
        List<String> lines = RealSamples.lines("fencing/" + sample + "/steps." + node);
        int i = 0;
        while (i < lines.size() && !lines.get(i).startsWith("## " + section + " (")) i++;
        if (i == lines.size()) throw new AssertionError("no section '" + section + "' in steps." + node);
        while (!lines.get(i).startsWith("r0 ")) i++;
        StringBuilder b = new StringBuilder();
        for (; i < lines.size() && !lines.get(i).isBlank(); i++) b.append(lines.get(i)).append('\n');
        return DrbdStatusParser.parseText("r0", b.toString());
    }

    private void compare(DrbdAdm adm, String node, String section) throws Exception {
        DrbdResourceState want = recorded(node, section);
        // a snapshot taken mid-transition (NetworkFailure lasts milliseconds) is compared with where it settles
        if (want.connection() == io.hadb.agent.drbd.DrbdConnectionState.NETWORK_FAILURE) return;
        assertEquals(fields(want), fields(adm.status()), node + " at '" + section + "'");
    }

    /** A refusal with the exit code (and, where one was printed, the message) recorded at that step. */
    private void refusedAsRecorded(String node, String command, DrbdAdm adm, String verb) throws Exception {
        RealSamples.Step want = RealSamples.steps("fencing/" + sample + "/steps." + node).stream()
                .filter(s -> s.command().equals(command) && s.exit() != 0).findFirst().orElseThrow();
        CommandResult got = pair.run(node, "drbdadm", verb, "r0");
        assertEquals(want.exit(), got.exitCode(), command);
        assertEquals(want.output(), got.stdout() + got.stderr(), command + " output");
        try {
            if (verb.equals("secondary")) adm.secondary();
            else adm.outdate();
            throw new AssertionError(command + " accepted");
        } catch (DrbdCommandException e) {
            assertEquals(want.exit(), e.exitCode());
        }
    }

    /** The helper calls and role/suspension changes of events2, without timestamps: line for line. */
    private static List<String> projection(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String raw : lines) {
            String l = raw.contains("\t") ? raw.split("\t")[2] : raw.replaceFirst("^\\S+T\\S+ ", "");
            if (l.contains(" helper ")) {
                String h = l.replaceAll(".* helper:(\\S+).*", "$1");
                if (HELPERS.contains(h)) out.add(l);
            } else if (l.startsWith("change resource ") && (l.contains(" role:") || l.contains(" suspended:"))) {
                out.add(l);
            }
        }
        return out;
    }

    /** The recording after its setup (from the first Primary on), so that setups may differ. */
    private List<String> recordedEvents(String... files) {
        List<String> all = new ArrayList<>();
        for (String f : files) all.addAll(RealSamples.lines("fencing/" + sample + "/" + f));
        int start = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).contains("role:Primary")) {
                start = i + 1;
                break;
            }
        }
        return projection(all.subList(start, all.size()));
    }

    private List<String> emulatedEvents(String node, int idx) throws IOException {
        byte[] all = Files.readAllBytes(pair.dir().resolve("state/r0/events." + node));
        String text = new String(all, (int) setupOffset[idx], all.length - (int) setupOffset[idx], StandardCharsets.UTF_8);
        return projection(text.lines().filter(l -> !l.isBlank()).toList());
    }

    /** Handler calls logged by the recording scripts: "NAME NODE" plus the sorted DRBD_* keys of each. */
    private static List<String> calls(List<String> lines, boolean recordedFormat) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        for (String l : lines) {
            if (l.startsWith("=== ")) {
                if (cur != null) out.add(cur.toString());
                cur = new StringBuilder(recordedFormat ? "call" : l.split(" ")[1]);
            } else if (cur != null && l.startsWith("DRBD")) {
                cur.append(' ').append(l, 0, l.indexOf('='));
            }
        }
        if (cur != null) out.add(cur.toString());
        return out;
    }

    private List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    private void assertHandlerEnvironments() throws IOException {
        for (String n : List.of(H1, H2)) {
            List<String> want = calls(RealSamples.lines("fencing/" + sample + "/fp." + n + ".log"), true);
            List<String> got = calls(lines(tmp.resolve("fp." + n + ".log")), true);
            assertEquals(want, got, "fence-peer calls and their environment keys on " + n);
            List<String> fp = lines(tmp.resolve("fp." + n + ".log"));
            assertTrue(fp.contains("DRBD_RESOURCE=r0") || fp.isEmpty());
            if (!fp.isEmpty()) assertTrue(fp.contains("DRBD_PEER=" + (n.equals(H1) ? H2 : H1)), fp.toString());
        }
    }

    // ------------------------------------------------------------------ the common part: setup, A, B

    private void setUp(String sampleDir) throws Exception {
        sample = sampleDir;
        pair = EmulatedPair.create(tmp.resolve("emu"), "r0", List.of(H1, H2), "8.4", 32).withEnv("HADB_EMU_SYNC_MS", "300");
        Path fp = tmp.resolve("fp"), hk = tmp.resolve("hk");
        Files.writeString(fp, "#!/bin/bash\n# recording fence-peer handler: answers what fp-rc.NODE says (default 1)\n"
                + "me=$HADB_EMU_NODE; rc=$(cat " + tmp + "/fp-rc.$me 2>/dev/null || echo 1)\n"
                + "{ echo \"=== fence-peer called on $me, will exit $rc\"; env | grep -E '^(DRBD|UP_TO_DATE)' | sort; } >> "
                + tmp + "/fp.$me.log\nexit $rc\n");
        Files.writeString(hk, "#!/bin/bash\nme=$HADB_EMU_NODE\n{ echo \"=== $1 on $me\"; env | grep -E '^DRBD' | sort; } >> "
                + tmp + "/handlers.$me.log\nexit 0\n");
        ok("chmod", "+x", fp.toString(), hk.toString());
        String conf = Files.readString(pair.conf())
                .replace("global { usage-count no; }", "global { usage-count no; cmd-timeout-long 30; }")
                .replace("  net { protocol C; }", "  disk { fencing resource-and-stonith; }\n  net { protocol C; }\n"
                        + "  handlers { fence-peer \"" + fp + "\"; after-resync-target \"" + hk + " after-resync-target\"; }");
        Files.writeString(pair.conf(), conf);
        a1 = new DrbdAdm(runner, "r0", pair.settings(H1));
        a2 = new DrbdAdm(runner, "r0", pair.settings(H2));

        a1.up();
        a2.up();
        a1.primaryForce();
        await("initial sync", a2, DrbdResourceState::healthyPair);
        awaitLog("after-resync-target of the initial sync", tmp.resolve("handlers." + H2 + ".log"), t -> t.contains("==="));
        Files.delete(tmp.resolve("handlers." + H2 + ".log"));
        setupOffset[0] = Files.size(pair.dir().resolve("state/r0/events." + H1));
        setupOffset[1] = Files.size(pair.dir().resolve("state/r0/events." + H2));
        ok("mkfs.ext4", "-q", "-F", pair.device(H1));
        m1 = mount(H1);
        compare(a1, H1, "hadb01 Primary, mounted");
        Writer w1 = startWriter(m1, "w1");

        // A: power cut of the Primary; the survivor promotes through fence-peer (answer 4)
        answer(H2, 4);
        w1.killed = true; // a crashed machine acknowledges nothing more
        w1.join(10_000);
        emu("node-down", H1);
        await("peer loss", a2, s -> !s.connected());
        compare(a2, H2, "A: just after peer power cut");
        a2.primary();
        answer(H2, 1);
        a2.disconnect();
        compare(a2, H2, "A: after disconnect");
        a2.primary();
        answer(H2, 4);
        a2.primary();
        compare(a2, H2, "A: after promotion attempts");
        umount(m1); // the crashed machine's mount goes with its reboot
        m2 = mount(H2);
        noAckedWriteLost(w1, m2);
        a2.connect();
        Writer w2 = startWriter(m2, "w2");
        compare(a2, H2, "A: hadb02 Primary, writing, waiting for peer");

        // B: the old Primary comes back and resyncs as SyncTarget; after-resync-target runs on it
        a1.up();
        await("rejoined", a1, s -> s.healthyPair() && s.peerRole() == io.hadb.agent.drbd.DrbdRole.PRIMARY);
        compare(a1, H1, "B: rejoined");
        compare(a2, H2, "B: peer rejoined (view of hadb02)");
        awaitLog("after-resync-target", tmp.resolve("handlers." + H1 + ".log"), t -> t.contains("after-resync-target"));
        List<String> want = calls(RealSamples.lines("fencing/" + sample + "/handlers." + H1 + ".log"), false).subList(0, 1);
        List<String> got = calls(lines(tmp.resolve("handlers." + H1 + ".log")), false);
        assertEquals(want.get(0).replaceFirst("^\\S+", ""), got.get(0).replaceFirst("^\\S+", ""), "after-resync-target environment");
        assertTrue(got.get(0).startsWith("after-resync-target"), got.toString());
    }

    /** C: the Primary hadb02 is cut off: frozen, what cannot be done there, hadb01 takes over. */
    private Writer isolateAndTakeOver(boolean killWriter) throws Exception {
        Writer w2 = writers.get(writers.size() - 1);
        answer(H2, 1);
        answer(H1, 4);
        emu("cut-link", "r0");
        await("frozen", a2, DrbdResourceState::ioSuspended);
        awaitLog("fence-peer answer on hadb02", tmp.resolve("fp." + H2 + ".log"), t -> t.split("===").length >= 3);
        // the worker prints the response right after the handler exits
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Files.readString(pair.dir().resolve("state/r0/events." + H2)).contains("fence-peer status:256")) {
            if (System.nanoTime() > deadline) throw new AssertionError("no fence-peer response on hadb02");
            Thread.sleep(50);
        }
        compare(a2, H2, "C: isolated Primary, 4 s after the cut");
        assertTrue(a2.status().suspended().contains(DrbdSuspension.FENCING));
        int ackedBefore = w2.acked.size();
        deadline = System.nanoTime() + WAIT.toNanos();
        while (!w2.kernelState().equals("D")) {
            if (System.nanoTime() > deadline) throw new AssertionError("writer not in D state: " + w2.kernelState());
            Thread.sleep(20);
        }
        if (killWriter) w2.killed = true;
        Thread.sleep(300);
        assertEquals(ackedBefore, w2.acked.size(), "nothing acknowledged while frozen");
        assertEquals("D", w2.kernelState(), "a frozen writer stays blocked");
        assertEquals(32, sh("umount", m2.toString()).exitCode(), "umount of the frozen filesystem is busy");
        refusedAsRecorded(H2, "drbdadm secondary r0", a2, "secondary");
        refusedAsRecorded(H2, "drbdadm outdate r0", a2, "outdate");
        compare(a2, H2, "C: after umount/secondary/outdate attempts");

        compare(a1, H1, "C: hadb01 sees the link cut");
        a1.primary();
        compare(a1, H1, "C: hadb01 after primary");
        m1 = mount(H1);
        noAckedWriteLost(w2, m1);
        Files.writeString(m1.resolve("log"), "after-takeover\n", java.nio.file.StandardOpenOption.APPEND);
        ok("sync", "-f", m1.resolve("log").toString());
        return w2;
    }

    @AfterEach
    void cleanUp() throws Exception {
        // a frozen filesystem must be thawed before anything else: its writers and unmount wait on it
        for (Path mp : mounts) sh("fsfreeze", "--unfreeze", mp.toString());
        for (Writer w : writers) {
            w.killed = true;
            w.join(10_000);
        }
        for (Path mp : new ArrayList<>(mounts)) sh("umount", mp.toString());
        if (pair != null) pair.close();
        if (pair != null) {
            for (String n : List.of(H1, H2)) {
                assertTrue(sh("losetup", "-j", pair.image(n).toString()).stdout().isBlank(), "loop devices left over");
            }
        }
    }

    // ------------------------------------------------------------------ the three recordings

    @Test
    void promotionWithAnUnknownPeerWaitsForFencePeerAndHonoursItsAnswer() throws Exception {
        sample = "1-crash-takeover-then-isolated-primary-resume-io";
        pair = EmulatedPair.create(tmp.resolve("emu"), "r0", List.of(H1, H2), "8.4", 16).withEnv("HADB_EMU_SYNC_MS", "100");
        Path fp = tmp.resolve("fp");
        Files.writeString(fp, "#!/bin/bash\nrc=$(cat " + tmp + "/fp-rc.$HADB_EMU_NODE 2>/dev/null || echo 1)\n"
                + "[ \"$rc\" = sleep ] && exec sleep 30\nexit $rc\n");
        ok("chmod", "+x", fp.toString());
        Files.writeString(pair.conf(), Files.readString(pair.conf())
                .replace("global { usage-count no; }", "global { usage-count no; cmd-timeout-long 1; }")
                .replace("  net { protocol C; }", "  net { protocol C; fencing resource-and-stonith; }\n"
                        + "  handlers { fence-peer \"" + fp + "\"; }"));
        a1 = new DrbdAdm(runner, "r0", pair.settings(H1));
        a2 = new DrbdAdm(runner, "r0", pair.settings(H2));
        a1.up();
        a2.up();
        a1.primaryForce();
        await("initial sync", a2, DrbdResourceState::healthyPair);
        a1.secondary();
        a2.disconnect();
        for (String answer : List.of("1", "6", "sleep")) {
            Files.writeString(tmp.resolve("fp-rc." + H2), answer + "\n");
            try {
                a2.primary();
                throw new AssertionError("promotion accepted with fence-peer answering " + answer);
            } catch (DrbdCommandException e) {
                boolean outdatedItself = answer.equals("6");
                assertEquals(outdatedItself ? 17 : 11, e.exitCode(), e.getMessage());
                assertEquals(outdatedItself ? DrbdCommandException.Kind.NO_UP_TO_DATE_DATA : DrbdCommandException.Kind.PEER_NOT_OUTDATED,
                        e.kind(), e.getMessage());
            }
            if (answer.equals("6")) {
                assertEquals("Outdated", a2.status().disk().text(), "6 outdates the caller");
                a2.connect();
                await("resync", a2, DrbdResourceState::healthyPair);
                a2.disconnect();
            }
        }
        String events = Files.readString(pair.dir().resolve("state/r0/events." + H2));
        assertTrue(events.contains("response helper name:r0 peer-node-id:0 helper:fence-peer status:256"), events);
        assertTrue(events.contains("helper:fence-peer status:9"), "the handler killed at cmd-timeout-long");
        Files.writeString(tmp.resolve("fp-rc." + H2), "5\n");
        a2.primary(); // 5 (peer unreachable) counts with an UpToDate disk
        DrbdResourceState s = a2.status();
        assertTrue(s.isPrimary());
        assertEquals("Outdated", a2.dstate().peer().text(), "as /proc/drbd's ds: shows it (status has no peer while StandAlone)");
    }

    @Test
    void crashTakeoverThenIsolatedPrimaryResumeIoGivesSplitBrain() throws Exception {
        setUp("1-crash-takeover-then-isolated-primary-resume-io");
        Writer w2 = isolateAndTakeOver(true);
        a2.resumeIo();
        compare(a2, H2, "C: after resume-io");
        w2.join(10_000);
        umount(m2);
        a2.secondary();
        compare(a2, H2, "C: after umount/secondary");
        emu("restore-link", "r0");
        await("split brain on heal", a1, s -> !s.connected() && s.connection() == io.hadb.agent.drbd.DrbdConnectionState.STANDALONE);
        Thread.sleep(500);
        compare(a2, H2, "C: hadb02 after heal");
        compare(a1, H1, "C: hadb01 after heal");
        assertEquals(recordedEvents("events2.hadb02"), emulatedEvents(H2, 1), "hadb02's events2");
        assertEquals(recordedEvents("events2.hadb01", "events2-B.hadb01"), emulatedEvents(H1, 0), "hadb01's events2");
        assertHandlerEnvironments();
    }

    @Test
    void frozenPrimaryThatHealsGoesStandAloneUntilPowerCycledAndConnected() throws Exception {
        setUp("2-heal-while-frozen-then-power-cycle");
        Writer w2 = isolateAndTakeOver(true);
        emu("restore-link", "r0");
        await("both StandAlone", a2, s -> s.connection() == io.hadb.agent.drbd.DrbdConnectionState.STANDALONE);
        awaitLog("fence-peer asked again", tmp.resolve("fp." + H2 + ".log"), t -> t.split("===").length >= 4);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Files.readString(pair.dir().resolve("state/r0/events." + H2)).contains("peer-node-id:0 helper:fence-peer status:256")) {
            if (System.nanoTime() > deadline) throw new AssertionError("no second fence-peer response on hadb02");
            Thread.sleep(50);
        }
        compare(a2, H2, "C: frozen hadb02 after heal");
        compare(a1, H1, "C: hadb01 after heal, peer frozen");
        Thread.sleep(500);
        assertEquals(io.hadb.agent.drbd.DrbdConnectionState.STANDALONE, a1.status().connection(), "no reconnect by itself");

        // D: self-fence: power-cycle hadb02 (its held writes never complete), up, then connect on hadb01
        emu("node-down", H2);
        ok("fsfreeze", "--unfreeze", m2.toString());
        w2.join(10_000);
        umount(m2);
        a2.up();
        Thread.sleep(500);
        compare(a2, H2, "D: rejoined after self-fence");
        compare(a1, H1, "D: hadb01 view");
        a1.connect();
        await("resynced", a1, DrbdResourceState::healthyPair);
        await("resynced", a2, DrbdResourceState::healthyPair);
        compare(a1, H1, "D: hadb01 after connect");
        noAckedWriteLost(w2, m1);
        assertTrue(Files.readString(m1.resolve("log")).endsWith("after-takeover\n"));
        awaitLog("after-resync-target on hadb02", tmp.resolve("handlers." + H2 + ".log"), t -> t.contains("after-resync-target"));
        assertEquals(recordedEvents("events2.hadb02", "events2-D.hadb02"), emulatedEvents(H2, 1), "hadb02's events2");
        assertEquals(recordedEvents("events2.hadb01", "events2-B.hadb01"), emulatedEvents(H1, 0), "hadb01's events2");
        assertHandlerEnvironments();
    }

    @Test
    void isolatedPrimaryStepsDownWithDetachForceAndRejoinsAsSyncTarget() throws Exception {
        setUp("3-isolated-primary-detach-force-way-out");
        Writer w2 = isolateAndTakeOver(false);
        int acked = w2.acked.size();
        a2.detach(true);
        compare(a2, H2, "D: after detach --force");
        a2.resumeIo();
        compare(a2, H2, "D: after resume-io");
        w2.join(10_000);
        assertNotNull(w2.failure, "the held write failed with an I/O error");
        assertEquals(acked, w2.acked.size(), "held writes are never acknowledged");
        umount(m2);
        a2.secondary();
        a2.attach();
        compare(a2, H2, "D: after umount, secondary, attach");
        emu("restore-link", "r0");
        await("resynced", a2, DrbdResourceState::healthyPair);
        await("resynced", a1, DrbdResourceState::healthyPair);
        compare(a2, H2, "D: hadb02 after heal");
        compare(a1, H1, "D: hadb01 after connect");
        noAckedWriteLost(w2, m1);
        awaitLog("after-resync-target on hadb02", tmp.resolve("handlers." + H2 + ".log"), t -> t.contains("after-resync-target"));
        assertEquals(recordedEvents("events2.hadb02"), emulatedEvents(H2, 1), "hadb02's events2");
        assertEquals(recordedEvents("events2.hadb01", "events2-B.hadb01"), emulatedEvents(H1, 0), "hadb01's events2");
        assertHandlerEnvironments();
    }
}
