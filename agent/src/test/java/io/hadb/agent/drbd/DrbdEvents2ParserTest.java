package io.hadb.agent.drbd;

import static io.hadb.agent.drbd.Samples.foldAll;
import static io.hadb.agent.drbd.Samples.foldUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrbdEvents2ParserTest {
    private static final String H1 = "scenario-events2-live.hadb01.txt";
    private static final String H2 = "scenario-events2-live.hadb02.txt";

    @Test
    void everyRecordedStreamParsesLineByLine() throws Exception {
        List<Path> files = Samples.events2Files();
        assertTrue(files.size() >= 10, "expected the scenario and fencing recordings, got " + files);
        for (Path f : files) {
            DrbdEvents2Parser p = new DrbdEvents2Parser("r0");
            int changes = 0;
            for (String line : Samples.lines(Samples.dir().relativize(f).toString())) {
                if (p.accept(line).isPresent()) changes++;
            }
            assertTrue(p.initialDumpComplete(), f + " has its dump end");
            assertTrue(changes > 5, f + " changed the state only " + changes + " times");
        }
    }

    @Test
    void scenarioHadb01SyncPromotionResyncAndSplitBrain() throws Exception {
        DrbdResourceState s = foldUntil(H1, "2026-11-24T00:51:03.419155");
        assertFalse(s.exists(), "before up the resource does not exist");

        s = foldUntil(H1, "2026-11-24T00:51:06.807485");
        assertEquals(DrbdReplicationState.SYNC_TARGET, s.replication());
        assertEquals(DrbdDiskState.INCONSISTENT, s.disk());
        assertEquals(DrbdDiskState.UPTODATE, s.peerDisk());
        assertEquals(12288, s.outOfSyncKiB());
        assertEquals(0.0, s.resyncDone().orElseThrow());

        s = foldUntil(H1, "2026-11-24T00:51:08.734777");
        assertEquals(DrbdRole.PRIMARY, s.role(), "a SyncTarget connected to UpToDate data may be promoted");

        s = foldUntil(H1, "2026-11-24T00:51:12.505088");
        assertTrue(s.healthyPair(), s.summary());
        assertTrue(s.resyncDone().isEmpty());
        assertEquals(262100, s.sizeKiB());

        s = foldUntil(H1, "2026-11-24T00:51:19.939946"); // hadb02 ran disconnect
        assertEquals(DrbdConnectionState.CONNECTING, s.connection());
        assertEquals(DrbdRole.UNKNOWN, s.peerRole());
        assertEquals(DrbdDiskState.DUNKNOWN, s.peerDisk());
        assertEquals(DrbdReplicationState.OFF, s.replication());

        s = foldUntil(H1, "2026-11-24T00:51:26.222357"); // hadb02 reconnected after we wrote alone
        assertEquals(DrbdReplicationState.SYNC_SOURCE, s.replication());
        assertEquals(DrbdDiskState.INCONSISTENT, s.peerDisk());
        assertEquals(5660, s.outOfSyncKiB());

        s = foldUntil(H1, "2026-11-24T00:51:30.144446");
        assertTrue(s.healthyPair(), s.summary());

        s = foldUntil(H1, "2026-11-24T00:54:13.970220"); // our own disconnect: StandAlone
        assertEquals(DrbdConnectionState.STANDALONE, s.connection());
        assertFalse(s.splitBrain());

        s = foldUntil(H1, "2026-11-24T00:54:19.751382");
        assertTrue(s.splitBrain(), "the split-brain helper call marks split brain");

        s = foldAll(H1);
        assertTrue(s.splitBrain());
        assertEquals(DrbdConnectionState.STANDALONE, s.connection());
        assertEquals(DrbdRole.PRIMARY, s.role());
        assertEquals(DrbdDiskState.UPTODATE, s.disk());
    }

    @Test
    void scenarioHadb02RefusalsOutdateResyncAndDown() throws Exception {
        DrbdResourceState s = foldUntil(H2, "2026-11-24T00:51:08.800648");
        // here `drbdadm primary` was refused with exit 11: the connected peer is Primary
        assertEquals(DrbdRole.PRIMARY, s.peerRole());
        assertEquals(DrbdConnectionState.CONNECTED, s.connection());
        assertEquals(DrbdReplicationState.SYNC_SOURCE, s.replication());

        s = foldUntil(H2, "2026-11-24T00:51:20.086456"); // we disconnected
        assertEquals(DrbdConnectionState.STANDALONE, s.connection());
        assertEquals(DrbdDiskState.UPTODATE, s.disk());

        s = foldUntil(H2, "2026-11-24T00:51:24.318618"); // outdate; then promotion refused with exit 17
        assertEquals(DrbdDiskState.OUTDATED, s.disk());
        assertEquals(DrbdRole.SECONDARY, s.role());

        s = foldUntil(H2, "2026-11-24T00:51:26.409809");
        assertEquals(DrbdReplicationState.SYNC_TARGET, s.replication());
        assertEquals(DrbdDiskState.INCONSISTENT, s.disk());
        assertEquals(DrbdRole.PRIMARY, s.peerRole());

        s = foldUntil(H2, "2026-11-24T00:51:30.222166");
        assertTrue(s.healthyPair(), s.summary());

        s = foldUntil(H2, "2026-11-24T00:54:19.870493");
        assertTrue(s.splitBrain());
        s = foldUntil(H2, "2026-11-24T00:54:19.981138");
        assertTrue(s.splitBrain());
        assertEquals(DrbdConnectionState.STANDALONE, s.connection());

        s = foldAll(H2); // drbdadm down
        assertFalse(s.exists());
        assertFalse(s.splitBrain());
    }

    @Test
    void fencingFreezesIoAndDetachForceUnfreezes() throws Exception {
        String f = "fencing/3-isolated-primary-detach-force-way-out/events2.hadb02";
        DrbdResourceState s = foldUntil(f, "2026-11-24T13:39:35.163896");
        assertEquals(java.util.Set.of(DrbdSuspension.FENCING), s.suspended());
        assertEquals(DrbdConnectionState.NETWORK_FAILURE, s.connection());
        assertEquals(DrbdRole.PRIMARY, s.role());

        s = foldUntil(f, "2026-11-24T13:39:44.906253");
        assertEquals(DrbdDiskState.FAILED, s.disk());
        assertTrue(s.ioSuspended());
        s = foldUntil(f, "2026-11-24T13:39:45.540469");
        assertEquals(DrbdDiskState.DISKLESS, s.disk());
        assertFalse(s.ioSuspended());
        s = foldUntil(f, "2026-11-24T13:39:49.791559");
        assertEquals(DrbdRole.SECONDARY, s.role());
        assertEquals(DrbdDiskState.CONSISTENT, s.disk());
    }

    @Test
    void fencingResumeIoEndsInSplitBrain() throws Exception {
        DrbdResourceState s = foldAll("fencing/1-crash-takeover-then-isolated-primary-resume-io/events2-B.hadb01");
        assertTrue(s.splitBrain());
        assertEquals(DrbdConnectionState.STANDALONE, s.connection());
        assertEquals(DrbdRole.PRIMARY, s.role());
    }

    @Test
    void nowDumpsWithoutTimestamps() throws Exception {
        DrbdEvents2Parser p = new DrbdEvents2Parser("r0");
        for (Samples.Step step : Samples.steps("commands-secondary-syncing.hadb02.txt")) {
            if (!step.command().startsWith("drbdsetup events2")) continue;
            for (String line : step.output().lines().toList()) p.accept(line);
        }
        DrbdResourceState s = p.current();
        assertTrue(p.initialDumpComplete());
        assertEquals(DrbdReplicationState.SYNC_TARGET, s.replication());
        assertEquals(DrbdRole.PRIMARY, s.peerRole());
        assertEquals(262072, s.outOfSyncKiB());
        assertEquals(DrbdDiskState.INCONSISTENT, s.disk());
    }

    @Test
    void otherResourcesAreIgnored() throws Exception {
        DrbdEvents2Parser p = new DrbdEvents2Parser("r1");
        for (String line : Samples.lines(H1)) assertTrue(p.accept(line).isEmpty() || line.endsWith("exists -"));
        assertFalse(p.current().exists());
    }

    @Test
    void garbageIsATypedErrorAndLeavesTheStateAlone() throws Exception {
        DrbdEvents2Parser p = new DrbdEvents2Parser("r0");
        for (String line : Samples.lines(H1).subList(0, 12)) p.accept(line);
        DrbdResourceState before = p.current();
        List<String> bad = new ArrayList<>(List.of("", "hello", "frobnicate device name:r0", "change device name:r0 disk",
                "change device name:r0 volume:0 size:lots", "change device volume:0 disk:UpToDate",
                "2026-11-24T00:51:03.419155+00:00 change -", "\u0000\u0001binary"));
        for (String b : bad) {
            assertThrows(DrbdParseException.class, () -> p.accept(b), b);
            assertEquals(before, p.current());
        }
        assertEquals(Optional.empty(), p.accept("change resource name:r0 role:Secondary"));
        assertEquals(DrbdRole.UNKNOWN, DrbdRole.parse("Tertiary"));
        assertTrue(p.accept("change resource name:r0 role:Tertiary").isPresent(), "unknown words become Unknown");
        assertEquals(DrbdRole.UNKNOWN, p.current().role());
    }
}
