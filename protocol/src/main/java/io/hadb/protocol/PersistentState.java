package io.hadb.protocol;

/**
 * What a node must have on stable storage (fsynced) before it sends the messages of the same step: its term,
 * whom it voted for in that term, and the newest cluster record it accepted.
 */
public record PersistentState(long term, int votedFor, ClusterRecord record) {
    public static final PersistentState INITIAL = new PersistentState(0, 0, ClusterRecord.EMPTY);
}
