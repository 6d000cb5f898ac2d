package io.hadb.agent.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdConnectionState;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdReplicationState;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.drbd.DrbdRole;
import io.hadb.agent.drbd.DrbdSuspension;
import io.hadb.agent.mysql.HealthStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The ordering rules of promotion and demotion, driven against a tiny model of the resources. */
class RolePlannerTest {
    /** A model of the resources that applies each action as it would succeed. */
    private static final class World {
        DrbdRole role = DrbdRole.SECONDARY;
        DrbdDiskState disk = DrbdDiskState.UPTODATE;
        DrbdConnectionState conn = DrbdConnectionState.CONNECTED;
        Set<DrbdSuspension> suspended = Set.of();
        boolean mounted;
        HealthStatus mysql = HealthStatus.STOPPED;
        boolean probe;
        boolean leaseExpired;
        boolean peerPrimary;
        boolean forced;
        final List<Step.Action> log = new ArrayList<>();

        Observed observed() {
            DrbdResourceState d = new DrbdResourceState("r0", true, role, suspended, disk, 1024, conn,
                    conn == DrbdConnectionState.CONNECTED ? (peerPrimary ? DrbdRole.PRIMARY : DrbdRole.SECONDARY) : DrbdRole.UNKNOWN,
                    conn == DrbdConnectionState.CONNECTED ? DrbdDiskState.UPTODATE : DrbdDiskState.DUNKNOWN,
                    conn == DrbdConnectionState.CONNECTED ? DrbdReplicationState.ESTABLISHED : DrbdReplicationState.OFF,
                    0, OptionalDouble.empty(), false);
            return new Observed(d, mounted, mysql, false, probe, leaseExpired, forced);
        }

        Step run(Goal g) {
            for (int i = 0; i < 20; i++) {
                Step s = RolePlanner.next(g, observed());
                if (!(s instanceof Step.Act a)) return s;
                log.add(a.action());
                switch (a.action()) {
                    case PROMOTE -> role = DrbdRole.PRIMARY;
                    case PROMOTE_FORCE -> {
                        role = DrbdRole.PRIMARY;
                        disk = DrbdDiskState.UPTODATE;
                    }
                    case MOUNT -> mounted = true;
                    case START_MYSQL -> mysql = HealthStatus.HEALTHY;
                    case OPEN_PROBE -> probe = true;
                    case CLOSE_PROBE -> probe = false;
                    case STOP_MYSQL -> mysql = HealthStatus.STOPPED;
                    case UNMOUNT -> mounted = false;
                    case DEMOTE -> role = DrbdRole.SECONDARY;
                    case DETACH_FORCE -> disk = DrbdDiskState.DISKLESS;
                    case RESUME_IO -> suspended = Set.of();
                    case ATTACH -> disk = DrbdDiskState.UPTODATE;
                    case CONNECT -> conn = DrbdConnectionState.CONNECTED;
                    case DISCONNECT -> conn = DrbdConnectionState.STANDALONE;
                }
            }
            throw new AssertionError("no end: " + log);
        }
    }

    @Test
    void becomingMasterGoesPrimaryMountMysqlProbe() {
        World w = new World();
        assertInstanceOf(Step.Done.class, w.run(Goal.SERVE));
        assertEquals(List.of(Step.Action.PROMOTE, Step.Action.MOUNT, Step.Action.START_MYSQL, Step.Action.OPEN_PROBE), w.log);
    }

    @Test
    void steppingDownGoesProbeMysqlUnmountSecondaryAndNeverDown() {
        World w = new World();
        w.run(Goal.SERVE);
        w.log.clear();
        Step s = w.run(Goal.RELEASE);
        assertInstanceOf(Step.Done.class, s);
        assertEquals(List.of(Step.Action.CLOSE_PROBE, Step.Action.STOP_MYSQL, Step.Action.UNMOUNT, Step.Action.DEMOTE), w.log);
        assertEquals(DrbdConnectionState.CONNECTED, w.conn, "the standby stays connected");
    }

    @Test
    void startingIsNotFailed() {
        World w = new World();
        w.role = DrbdRole.PRIMARY;
        w.mounted = true;
        w.mysql = HealthStatus.STARTING;
        Step s = RolePlanner.next(Goal.SERVE, w.observed());
        assertInstanceOf(Step.Wait.class, s);
        w.mysql = HealthStatus.FAILED;
        w.probe = true;
        assertEquals(Step.Action.CLOSE_PROBE, ((Step.Act) RolePlanner.next(Goal.SERVE, w.observed())).action());
        w.probe = false;
        assertInstanceOf(Step.Fail.class, RolePlanner.next(Goal.SERVE, w.observed()));
    }

    @Test
    void aFrozenPrimaryClosesItsProbeAtOnceThenWaitsForTheLeaseThenDetachesBeforeResuming() {
        World w = new World();
        w.run(Goal.SERVE);
        w.log.clear();
        w.conn = DrbdConnectionState.STANDALONE;
        w.suspended = Set.of(DrbdSuspension.FENCING);
        assertEquals(Step.Action.CLOSE_PROBE, ((Step.Act) RolePlanner.next(Goal.RELEASE, w.observed())).action());
        w.probe = false;
        Step s = RolePlanner.next(Goal.RELEASE, w.observed());
        assertInstanceOf(Step.Wait.class, s, "no resume-io, no detach while the lease may still run");
        w.leaseExpired = true;
        w.run(Goal.RELEASE);
        assertEquals(List.of(Step.Action.DETACH_FORCE, Step.Action.RESUME_IO, Step.Action.STOP_MYSQL, Step.Action.UNMOUNT,
                Step.Action.DEMOTE, Step.Action.ATTACH, Step.Action.CONNECT), w.log, "steps down in place, then rejoins");
        assertTrue(w.log.indexOf(Step.Action.DETACH_FORCE) < w.log.indexOf(Step.Action.RESUME_IO));
    }

    @Test
    void anOutdatedDiskIsNeverPromoted() {
        World w = new World();
        w.disk = DrbdDiskState.OUTDATED;
        assertInstanceOf(Step.Fail.class, RolePlanner.next(Goal.SERVE, w.observed()));
    }

    @Test
    void aMasterWhosePeerReconnectedStandAloneReconnects() {
        World w = new World();
        w.run(Goal.SERVE);
        w.conn = DrbdConnectionState.STANDALONE;
        assertEquals(Step.Action.CONNECT, ((Step.Act) RolePlanner.next(Goal.SERVE, w.observed())).action());
    }

    @Test
    void startAdoptsWhatIsAlreadyRunningWhenHoldingTheLease() {
        World w = new World();
        w.role = DrbdRole.PRIMARY;
        w.mounted = true;
        w.mysql = HealthStatus.HEALTHY;
        w.run(Goal.SERVE);
        assertEquals(List.of(Step.Action.OPEN_PROBE), w.log, "adopted, nothing restarted");
    }

    @Test
    void aPeerThatStillShowsPrimaryIsCutOffBeforePromoting() {
        World w = new World();
        w.peerPrimary = true;
        Step s = RolePlanner.next(Goal.SERVE, w.observed());
        assertEquals(Step.Action.DISCONNECT, ((Step.Act) s).action());
    }

    @Test
    void maintenanceDoesNothing() {
        World w = new World();
        w.probe = true;
        w.mounted = true;
        assertInstanceOf(Step.Wait.class, RolePlanner.next(Goal.HOLD, w.observed()));
    }

    // ---------------------------------------------------------------- forced promotion

    @Test
    void anOutdatedDiskIsPromotedWithForceOnlyOnAForcedPromotion() {
        World plain = new World();
        plain.disk = DrbdDiskState.OUTDATED;
        plain.conn = DrbdConnectionState.CONNECTING;
        Step.Fail f = assertInstanceOf(Step.Fail.class, plain.run(Goal.SERVE));
        assertTrue(f.reason().contains("not UpToDate: promoting would serve stale data"), f.reason());
        assertEquals(List.of(), plain.log);

        World forced = new World();
        forced.disk = DrbdDiskState.OUTDATED;
        forced.conn = DrbdConnectionState.CONNECTING;
        forced.forced = true;
        assertInstanceOf(Step.Done.class, forced.run(Goal.SERVE));
        assertEquals(List.of(Step.Action.PROMOTE_FORCE, Step.Action.MOUNT, Step.Action.START_MYSQL, Step.Action.OPEN_PROBE),
                forced.log);
    }

    @Test
    void aForcedPromotionOfAnUpToDateDiskIsAPlainPromote() {
        World w = new World();
        w.conn = DrbdConnectionState.CONNECTING;
        w.forced = true;
        assertInstanceOf(Step.Done.class, w.run(Goal.SERVE));
        assertEquals(Step.Action.PROMOTE, w.log.get(0), "--force only where DRBD would refuse: " + w.log);
    }

    @Test
    void aForcedPromotionNeverPromotesAnInconsistentOrMissingCopy() {
        for (DrbdDiskState bad : new DrbdDiskState[] {DrbdDiskState.INCONSISTENT, DrbdDiskState.DISKLESS}) {
            World w = new World();
            w.disk = bad;
            w.conn = DrbdConnectionState.CONNECTING;
            w.forced = true;
            Step.Fail f = assertInstanceOf(Step.Fail.class, w.run(Goal.SERVE));
            assertTrue(f.reason().contains("a forced promotion never promotes"), f.reason());
            assertEquals(List.of(), w.log);
        }
    }

    @Test
    void aForcedPromotionStillCutsAPeerThatShowsPrimaryFirst() {
        World w = new World();
        w.disk = DrbdDiskState.OUTDATED;
        w.peerPrimary = true;
        w.forced = true;
        assertInstanceOf(Step.Done.class, w.run(Goal.SERVE));
        assertEquals(List.of(Step.Action.DISCONNECT, Step.Action.PROMOTE_FORCE), w.log.subList(0, 2));
    }
}
