package io.hadb.agent.probe;

import io.hadb.agent.drbd.DrbdConnectionState;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdRole;
import io.hadb.agent.mysql.HealthStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What the agent last knew about this node, as one immutable value that the HTTP probe reads without locking.
 * The agent builds a new one on every change and publishes it through the {@code Supplier} it gave the
 * {@link ProbeResponder}.
 *
 * @param node this node's configured name
 * @param role the agent's role in words ("master", "replica", "candidate", "witness", ...)
 * @param term the current election term
 * @param master the master's name, or "" when there is none
 * @param quorum whether this node is part of a majority
 * @param leaseRemaining how long the master's lease still runs as this node sees it (zero when none)
 * @param drbdRole this node's DRBD role
 * @param drbdDisk this node's DRBD disk state
 * @param drbdConnection the replication link's state
 * @param outOfSyncBytes bytes DRBD still has to resync
 * @param mysqld the last mysqld health verdict
 * @param observedAt when the agent built this value, so a reader can see a stale one
 */
public record NodeState(String node, String role, long term, String master, boolean quorum,
        Duration leaseRemaining, DrbdRole drbdRole, DrbdDiskState drbdDisk, DrbdConnectionState drbdConnection,
        long outOfSyncBytes, HealthStatus mysqld, Instant observedAt) {

    public NodeState {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(leaseRemaining, "leaseRemaining");
        Objects.requireNonNull(drbdRole, "drbdRole");
        Objects.requireNonNull(drbdDisk, "drbdDisk");
        Objects.requireNonNull(drbdConnection, "drbdConnection");
        Objects.requireNonNull(mysqld, "mysqld");
        Objects.requireNonNull(observedAt, "observedAt");
    }

    /** Before the agent knows anything: no role, nothing running. */
    public static NodeState unknown(String node) {
        return new NodeState(node, "unknown", 0, "", false, Duration.ZERO, DrbdRole.UNKNOWN, DrbdDiskState.UNKNOWN,
                DrbdConnectionState.UNKNOWN, 0, HealthStatus.STOPPED, Instant.now());
    }

    /** A replica worth sending reads to: DRBD Secondary, UpToDate and connected to the master. */
    public boolean isServingReplica() {
        return drbdRole == DrbdRole.SECONDARY && drbdDisk == DrbdDiskState.UPTODATE
                && drbdConnection == DrbdConnectionState.CONNECTED;
    }
}
