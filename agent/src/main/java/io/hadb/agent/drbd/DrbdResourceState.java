package io.hadb.agent.drbd;

import java.util.EnumSet;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * What one node knows about one DRBD resource at one moment: its own role and disk, and what it
 * sees of its single peer. Immutable; parsers produce a new one per change.
 *
 * @param exists            the resource is configured in the kernel (false before `up` and after `down`)
 * @param suspended         why I/O is frozen; empty when it flows
 * @param connection        StandAlone when no connection object exists
 * @param outOfSyncKiB      data that differs from the peer, in KiB (events2 and status --json report it)
 * @param resyncDone        percent of the current resync done, present only while resyncing
 * @param splitBrain        DRBD detected a split brain (helper `split-brain` called or the logs said so)
 *                          and the peers have not connected cleanly since
 */
public record DrbdResourceState(
        String name,
        boolean exists,
        DrbdRole role,
        Set<DrbdSuspension> suspended,
        DrbdDiskState disk,
        long sizeKiB,
        DrbdConnectionState connection,
        DrbdRole peerRole,
        DrbdDiskState peerDisk,
        DrbdReplicationState replication,
        long outOfSyncKiB,
        OptionalDouble resyncDone,
        boolean splitBrain) {

    public DrbdResourceState {
        suspended = suspended.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(suspended));
    }

    /** The state of a resource the kernel does not know (not up, or down). */
    public static DrbdResourceState absent(String name) {
        return new DrbdResourceState(name, false, DrbdRole.UNKNOWN, Set.of(), DrbdDiskState.DISKLESS, 0,
                DrbdConnectionState.STANDALONE, DrbdRole.UNKNOWN, DrbdDiskState.DUNKNOWN, DrbdReplicationState.OFF,
                0, OptionalDouble.empty(), false);
    }

    public boolean isPrimary() {
        return role == DrbdRole.PRIMARY;
    }

    public boolean connected() {
        return connection == DrbdConnectionState.CONNECTED;
    }

    public boolean ioSuspended() {
        return !suspended.isEmpty();
    }

    /** Local disk and peer both UpToDate and the link established: a clean, fully replicated pair. */
    public boolean healthyPair() {
        return exists && disk == DrbdDiskState.UPTODATE && peerDisk == DrbdDiskState.UPTODATE
                && replication == DrbdReplicationState.ESTABLISHED && !splitBrain;
    }

    /** One line for a log. */
    public String summary() {
        if (!exists) return name + " not configured";
        StringBuilder b = new StringBuilder(name).append(' ').append(role.text()).append('/').append(peerRole.text())
                .append(' ').append(disk.text()).append('/').append(peerDisk.text())
                .append(' ').append(connection.text()).append(' ').append(replication.text());
        if (outOfSyncKiB > 0) b.append(" oos:").append(outOfSyncKiB).append("KiB");
        resyncDone.ifPresent(d -> b.append(" done:").append(String.format(java.util.Locale.ROOT, "%.2f", d)));
        if (!suspended.isEmpty()) b.append(" suspended:").append(suspended);
        if (splitBrain) b.append(" SPLIT-BRAIN");
        return b.toString();
    }
}
