package io.hadb.protocol;

/** Everything that can happen to a node. Every input carries the node's monotonic time in nanoseconds. */
public sealed interface Input {
    long now();

    /** Time passes; the shell sends one at least every few milliseconds. */
    record Tick(long now) implements Input {}

    /** An authenticated message from {@code from} arrived on {@code link}. */
    record Received(long now, int from, int link, Message message) implements Input {}

    /** An operator intent given at this node; the answer comes as a {@link Decision.IntentResult}. */
    record OperatorIntent(long now, long requestId, Intent intent) implements Input {}

    /** The answer to a {@link Decision.FencePeer}. */
    record FenceOutcome(long now, int peer, boolean fenced) implements Input {}

    /**
     * What replication says of a peer's copy, as seen on this node: in sync (connected, UpToDate) or not. The
     * master records a peer that is not in sync as Outdated before it writes alone, and UpToDate again once
     * it has resynced.
     */
    record PeerReplication(long now, int peer, boolean inSync) implements Input {}

    /** This node's resources are released (mysqld stopped, unmounted, Secondary): a switchover may go on. */
    record ResourcesReleased(long now) implements Input {}

    /**
     * This node could not bring its resources up (or keep them up) as master: hand the role to a peer that
     * can serve, and do not stand again for a back-off time (no ping-pong).
     *
     * @param beforeServing the resources never came up in this mastership (mysqld did not start, say): such
     *                      failures in a row double the back-off
     */
    record ResourcesFailed(long now, String reason, boolean beforeServing) implements Input {}

    /**
     * The operator asks this node to become master ({@code agentctl promote}). Only an Outdated node whose peers'
     * data is gone is promoted this way, and only with {@code force}: for up to {@code windowMs} it stands for
     * election despite its Outdated mark. The force overrides the data-currency check alone: it still needs a
     * majority, voters still keep their promise to a master whose lease may run, and a candidate with an older
     * record still loses. The answer comes as a {@link Decision.IntentResult} (refused at once) or a
     * {@link Decision.ForceEnded} (won, or the window ended).
     */
    record Promote(long now, long requestId, boolean force, long windowMs) implements Input {}
}
