package io.hadb.agent.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DrbdStatusParserTest {

    private static DrbdResourceState statusAt(String file, String section) throws DrbdParseException {
        for (Samples.Step s : Samples.steps(file)) {
            if (s.section().equals(section) && s.command().equals("drbdadm status r0")) {
                return DrbdStatusParser.parseText("r0", s.output());
            }
        }
        throw new AssertionError("no status in " + file + " at " + section);
    }

    @Test
    void everyRecordedStatusParses() throws Exception {
        int n = 0;
        for (String f : List.of("scenario-steps.hadb01.txt", "scenario-steps.hadb02.txt", "commands-primary.hadb01.txt",
                "commands-secondary-syncing.hadb02.txt")) {
            for (Samples.Step s : Samples.steps(f)) {
                if (s.command().startsWith("drbdadm status") && s.exit() == 0) {
                    DrbdResourceState st = DrbdStatusParser.parseText("r0", s.output());
                    assertTrue(st.exists());
                    assertTrue(st.role() != DrbdRole.UNKNOWN, s.output());
                    n++;
                }
            }
        }
        assertTrue(n >= 15, "parsed " + n);
    }

    @Test
    void scenarioStatesMatchWhatTheStepsSay() throws Exception {
        DrbdResourceState s = statusAt("scenario-steps.hadb01.txt", "connected, both Inconsistent");
        assertEquals(DrbdReplicationState.SYNC_TARGET, s.replication());
        assertEquals(DrbdDiskState.INCONSISTENT, s.disk());
        assertEquals(95.56, s.resyncDone().orElseThrow(), 1e-9);

        s = statusAt("scenario-steps.hadb01.txt", "synced, hadb01 Primary");
        assertTrue(s.healthyPair());
        assertEquals(DrbdRole.PRIMARY, s.role());
        assertEquals(DrbdRole.SECONDARY, s.peerRole());
        assertEquals(DrbdConnectionState.CONNECTED, s.connection());

        s = statusAt("scenario-steps.hadb01.txt", "peer disconnected (we see it gone)");
        assertEquals(DrbdConnectionState.CONNECTING, s.connection());
        assertEquals(DrbdDiskState.DUNKNOWN, s.peerDisk());
        assertEquals(DrbdReplicationState.OFF, s.replication());

        s = statusAt("scenario-steps.hadb02.txt", "we disconnected (StandAlone)");
        assertEquals(DrbdConnectionState.STANDALONE, s.connection());
        s = statusAt("scenario-steps.hadb02.txt", "outdated ourselves");
        assertEquals(DrbdDiskState.OUTDATED, s.disk());
        s = statusAt("scenario-steps.hadb02.txt", "both Primary while disconnected");
        assertEquals(DrbdRole.PRIMARY, s.role());
        assertEquals(DrbdConnectionState.STANDALONE, s.connection());
    }

    @Test
    void verboseStatisticsStatus() throws Exception {
        String out = Samples.steps("commands-secondary-syncing.hadb02.txt").stream()
                .filter(s -> s.command().startsWith("drbdsetup status --verbose")).findFirst().orElseThrow().output();
        DrbdResourceState s = DrbdStatusParser.parseText("r0", out);
        assertEquals(DrbdDiskState.INCONSISTENT, s.disk());
        assertEquals(262100, s.sizeKiB());
        assertEquals(262100, s.outOfSyncKiB());
        assertEquals(DrbdReplicationState.ESTABLISHED, s.replication());
        assertEquals(Set.of(), s.suspended());
    }

    @Test
    void drbd9TextOmitsEstablished() throws Exception {
        String text = "r0 role:Secondary\n  disk:UpToDate\n  hadb01 role:Primary\n    peer-disk:UpToDate\n\n";
        DrbdResourceState s = DrbdStatusParser.parseText("r0", text);
        assertTrue(s.healthyPair(), s.summary());
        assertEquals(DrbdRole.PRIMARY, s.peerRole());
    }

    @Test
    void drbd9Json() throws Exception {
        String json = """
                [{"name":"r0","node-id":1,"role":"Secondary","suspended":false,"write-ordering":"flush",
                  "devices":[{"volume":0,"minor":1,"disk-state":"Inconsistent","client":false,"quorum":true,
                    "size":32768,"read":0,"written":0,"al-writes":0,"bm-writes":0,"upper-pending":0,"lower-pending":0}],
                  "connections":[{"peer-node-id":0,"name":"node1","connection-state":"Connected","congested":false,
                    "peer-role":"Primary","ap-in-flight":0,"rs-in-flight":0,
                    "peer_devices":[{"volume":0,"replication-state":"SyncTarget","peer-disk-state":"UpToDate",
                      "peer-client":false,"resync-suspended":"no","received":100,"sent":0,"out-of-sync":8192,
                      "pending":0,"unacked":0,"has-sync-details":true,"has-online-verify-details":false,
                      "percent-in-sync":75.00}]}]}]
                """;
        DrbdResourceState s = DrbdStatusParser.parseJson("r0", json);
        assertEquals(DrbdReplicationState.SYNC_TARGET, s.replication());
        assertEquals(8192, s.outOfSyncKiB());
        assertEquals(75.0, s.resyncDone().orElseThrow(), 1e-9);
        assertEquals(DrbdRole.PRIMARY, s.peerRole());
        assertFalse(s.ioSuspended());
        DrbdResourceState alone = DrbdStatusParser.parseJson("r0",
                "[{\"name\":\"r0\",\"role\":\"Primary\",\"suspended\":true,\"suspended-fencing\":true,"
                        + "\"devices\":[{\"volume\":0,\"disk-state\":\"UpToDate\"}],\"connections\":[]}]");
        assertEquals(DrbdConnectionState.STANDALONE, alone.connection());
        assertEquals(Set.of(DrbdSuspension.FENCING), alone.suspended());
    }

    @Test
    void garbageIsATypedError() {
        assertThrows(DrbdParseException.class, () -> DrbdStatusParser.parseText("r0", "r0: No such resource\n"));
        assertThrows(DrbdParseException.class, () -> DrbdStatusParser.parseText("r0", "r1 role:Primary\n"));
        assertThrows(DrbdParseException.class, () -> DrbdStatusParser.parseText("r0", "r0 role:Primary\n  disk:UpToDate size:big\n"));
        assertThrows(DrbdParseException.class, () -> DrbdStatusParser.parseText("r0", "r0 role:Primary\n  peer role:Secondary\n    garbage\n"));
        assertThrows(DrbdParseException.class, () -> DrbdStatusParser.parseJson("r0", "{not json"));
        assertThrows(DrbdParseException.class, () -> DrbdStatusParser.parseJson("r0", "{\"name\":\"r0\"}"));
        assertThrows(DrbdParseException.class, () -> DrbdStatusParser.parseJson("r0", "[]"));
        String usage = Samples.steps("commands-primary.hadb01.txt").stream()
                .filter(s -> s.command().equals("drbdsetup status --json")).findFirst().orElseThrow().output();
        assertThrows(DrbdParseException.class, () -> DrbdStatusParser.parseJson("r0", usage));
    }
}
