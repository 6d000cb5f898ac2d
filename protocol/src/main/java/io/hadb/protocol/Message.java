package io.hadb.protocol;

/**
 * The protocol's messages. The sender and link come from the authenticated frame around them, never from
 * the body.
 */
public sealed interface Message {
    /**
     * Liveness and view from a node that is not master: sent to every peer on every link each heartbeat.
     * {@code boot} is the sender's random id for this start; {@code echo} the recipient's, as last heard: a
     * message that echoes our boot id was sent after we started, so it is not a stale one from the network.
     */
    record Ping(long term, int leader, RecordVersion recordVersion, long boot, long echo) implements Message {}

    /** The master's lease renewal, carrying the whole record and what of it is committed. */
    record Heartbeat(long term, long seq, ClusterRecord record, RecordVersion committed, long boot, long echo)
            implements Message {}

    /** A voter's acknowledgement of a renewal: it has persisted {@code persisted} and promises its vote. */
    record HeartbeatAck(long term, long seq, RecordVersion persisted) implements Message {}

    /**
     * A candidate asks for a vote; {@code transferFrom} names the master that handed it the role, or 0.
     * {@code force}: the operator forced this Outdated candidate's promotion, so voters grant it although their
     * record says it is Outdated (every other rule holds).
     */
    record VoteRequest(long term, RecordVersion recordVersion, int transferFrom, boolean force) implements Message {}

    record VoteResponse(long term, boolean granted) implements Message {}

    /** An operator intent forwarded to the master by the node where it was given. */
    record IntentRequest(long requestId, Intent intent) implements Message {}

    record IntentReply(long requestId, boolean accepted, String message) implements Message {}

    /** A master that has released its resources tells the chosen node to stand for election now. */
    record TimeoutNow(long term) implements Message {}

    /** A master that stopped serving gives up its lease: voters may vote for others at once. */
    record LeaseReleased(long term) implements Message {}
}
