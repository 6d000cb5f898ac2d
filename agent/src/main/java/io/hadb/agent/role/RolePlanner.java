package io.hadb.agent.role;

import io.hadb.agent.drbd.DrbdConnectionState;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.drbd.DrbdRole;
import io.hadb.agent.drbd.DrbdSuspension;
import io.hadb.agent.mysql.HealthStatus;

/**
 * Decides the next resource step from the goal and what is observed: a pure function, so every ordering
 * rule is tested without processes. Becoming master goes DRBD Primary → mount → mysqld healthy → probe;
 * stepping down goes probe → mysqld → unmount → Secondary (never {@code down}: the standby stays connected).
 * A Primary whose I/O DRBD froze (it lost its peer and the fence-peer handler did not let it go on) cannot
 * stop mysqld, unmount or demote; it closes its probe at once, waits until its lease has surely ended,
 * then {@code detach --force} and {@code resume-io} fail the held writes instead of acknowledging them,
 * and it steps down in place. It never resumes I/O with its disk attached.
 */
public final class RolePlanner {
    private RolePlanner() {}

    public static Step next(Goal goal, Observed o) {
        return switch (goal) {
            case HOLD -> new Step.Wait("maintenance: resource actions frozen");
            case SERVE -> serve(o);
            case RELEASE -> release(o);
        };
    }

    private static Step serve(Observed o) {
        DrbdResourceState d = o.drbd();
        if (!d.exists()) return new Step.Fail("DRBD resource " + d.name() + " is not up");
        if (o.mysqlGaveUp()) return closeThenFail(o, "mysqld kept crashing beyond its in-place restarts");
        if (d.ioSuspended()) {
            // DRBD lost the peer and holds writes until the fence-peer handler confirms the peer Outdated
            // through the cluster; if that cannot happen, the lease goes and the goal becomes RELEASE
            return new Step.Wait("DRBD I/O frozen (" + d.suspended() + ") until the peer is confirmed Outdated");
        }
        if (d.isPrimary() && (d.disk() == DrbdDiskState.DISKLESS || d.disk() == DrbdDiskState.FAILED))
            return closeThenFail(o, "DRBD disk is " + d.disk().text() + " (I/O errors)");
        if (!d.isPrimary()) {
            boolean force = false;
            if (d.disk() != DrbdDiskState.UPTODATE) {
                // only the operator's forced promotion promotes a copy DRBD does not call UpToDate, and only one
                // that is whole (Outdated, Consistent): an Inconsistent copy is a half-finished resync
                boolean whole = d.disk() == DrbdDiskState.OUTDATED || d.disk() == DrbdDiskState.CONSISTENT;
                if (!o.forcedPromotion() || !whole)
                    return new Step.Fail("DRBD disk is " + d.disk().text() + ", not UpToDate: promoting would serve "
                            + (whole ? "stale" : "corrupt or missing") + " data"
                            + (o.forcedPromotion() ? " (a forced promotion never promotes a copy that is " + d.disk().text() + ")" : ""));
                force = true;
            }
            if (d.peerRole() == DrbdRole.PRIMARY) {
                // this node holds the lease, so the old master's lease has ended: DRBD has just not noticed
                // yet that the peer is gone (ping-timeout); cut replication rather than wait for it
                return act(Step.Action.DISCONNECT, "peer still shows DRBD Primary but its lease has ended: "
                        + "disconnecting replication before promoting");
            }
            if (force)
                return act(Step.Action.PROMOTE_FORCE, "forced promotion by the operator: DRBD disk is " + d.disk().text()
                        + ", becoming Primary with --force (writes only the peer had are given up)");
            return act(Step.Action.PROMOTE, "lease held: becoming DRBD Primary");
        }
        if (!o.mounted()) return act(Step.Action.MOUNT, "DRBD Primary: mounting");
        switch (o.mysql()) {
            case STOPPED:
                return act(Step.Action.START_MYSQL, "mounted: starting mysqld");
            case STARTING:
                return o.probeOpen() ? act(Step.Action.CLOSE_PROBE, "mysqld not answering queries")
                        : new Step.Wait("mysqld starting (crash recovery may take a while)");
            case FAILED:
                return closeThenFail(o, "mysqld failed");
            case HEALTHY:
            default:
                break;
        }
        if (!o.probeOpen()) return act(Step.Action.OPEN_PROBE, "mysqld answers queries: opening the probe");
        if (d.connection() == DrbdConnectionState.STANDALONE)
            return act(Step.Action.CONNECT, "serving, but DRBD is StandAlone: reconnecting the peer");
        return new Step.Done("serving");
    }

    private static Step closeThenFail(Observed o, String reason) {
        if (o.probeOpen()) return act(Step.Action.CLOSE_PROBE, reason + ": closing the probe first");
        return new Step.Fail(reason);
    }

    private static Step release(Observed o) {
        DrbdResourceState d = o.drbd();
        if (o.probeOpen()) return act(Step.Action.CLOSE_PROBE, "not master: closing the probe");
        boolean frozen = d.exists() && d.isPrimary() && d.ioSuspended();
        if (frozen) {
            // mysqld is stuck in D state, umount is busy, secondary is refused: the only way out that
            // acknowledges nothing held is to fail the held writes, and only once the lease has ended
            if (!o.leaseExpired()) return new Step.Wait("DRBD I/O frozen: waiting for the lease to end before detaching");
            if (d.disk() != DrbdDiskState.DISKLESS && d.disk() != DrbdDiskState.FAILED)
                return act(Step.Action.DETACH_FORCE, "DRBD I/O frozen and lease ended: detaching the disk so held writes fail");
            if (d.suspended().contains(DrbdSuspension.FENCING) || d.ioSuspended())
                return act(Step.Action.RESUME_IO, "disk detached: resuming I/O so held writes fail with I/O errors");
        }
        if (o.mysql() != HealthStatus.STOPPED) return act(Step.Action.STOP_MYSQL, "not master: stopping mysqld");
        if (o.mounted()) return act(Step.Action.UNMOUNT, "mysqld stopped: unmounting");
        if (!d.exists()) return new Step.Done("released (DRBD resource not up)");
        if (d.isPrimary()) return act(Step.Action.DEMOTE, "unmounted: becoming DRBD Secondary");
        if (d.disk() == DrbdDiskState.DISKLESS)
            return act(Step.Action.ATTACH, "Secondary without its disk: attaching it to resync");
        if (d.connection() == DrbdConnectionState.STANDALONE && !d.splitBrain())
            return act(Step.Action.CONNECT, "Secondary but StandAlone: connecting so the master can resync it");
        return new Step.Done("released: Secondary, " + d.disk().text() + ", " + d.connection().text());
    }

    private static Step act(Step.Action a, String reason) {
        return new Step.Act(a, reason);
    }
}
