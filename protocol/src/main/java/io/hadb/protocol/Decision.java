package io.hadb.protocol;

/** What a node decided in one step, for the shell to act on and to log (one line each, with the reason). */
public sealed interface Decision {
    /** A link to a peer came up or went down. */
    record LinkChanged(int peer, int link, boolean up, String reason) implements Decision {}

    /** A peer is reachable (on any link) or not. */
    record PeerChanged(int peer, boolean up, String reason) implements Decision {}

    /** This node can, or can no longer, see a majority of the votes. */
    record QuorumChanged(boolean quorate, int votes, int needed) implements Decision {}

    /** This node stands for election. */
    record ElectionStarted(long term, String reason) implements Decision {}

    /**
     * This node gave its vote (persisted before the answer leaves). {@code forced}: only because the operator
     * forced the promotion of a candidate this node's record says is Outdated.
     */
    record Voted(long term, int candidate, boolean forced) implements Decision {}

    /** The node this one follows changed (0: none known). */
    record LeaderChanged(long term, int leader, String reason) implements Decision {}

    /**
     * Start or stop serving: DRBD Primary, mounted, mysqld, probe healthy. Serving is on only while this
     * node holds a valid lease, its election is committed and no hand-over is under way.
     */
    record ServeChanged(boolean serving, long term, String reason) implements Decision {}

    /** Release every resource (switchover or standby); answer with {@link Input.ResourcesReleased}. */
    record Release(int target, String reason) implements Decision {}

    /** A new version of the cluster record is committed (persisted by a majority). */
    record RecordCommitted(ClusterRecord record) implements Decision {}

    /** Fence (power off) this peer; answer with {@link Input.FenceOutcome}. */
    record FencePeer(int peer, String reason) implements Decision {}

    /** The answer to an {@link Input.OperatorIntent}. */
    record IntentResult(long requestId, boolean accepted, String message) implements Decision {}

    /** An operator's forced promotion was accepted: this node stands despite its Outdated mark until the window ends. */
    record ForceStarted(long requestId, long windowMs, String reason) implements Decision {}

    /**
     * A forced promotion ended: {@code won} (this node is master in {@code term}; {@code givenUp} are the data
     * nodes whose writes since term {@code lostSinceTerm} the new record gives up), or not (window over, another
     * master appeared). Either way the force is spent.
     */
    record ForceEnded(long requestId, boolean won, long term, java.util.Set<Integer> givenUp, long lostSinceTerm,
                      String reason) implements Decision {
        public ForceEnded {
            givenUp = java.util.Set.copyOf(givenUp);
        }
    }
}
