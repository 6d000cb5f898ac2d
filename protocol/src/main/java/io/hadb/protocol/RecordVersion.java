package io.hadb.protocol;

/**
 * Version of the cluster record. {@code index} grows by one with every change; {@code term} is the term of
 * the master that made the change. Versions compare by term, then index, as Raft compares log tails.
 */
public record RecordVersion(long term, long index) implements Comparable<RecordVersion> {
    public static final RecordVersion ZERO = new RecordVersion(0, 0);

    @Override
    public int compareTo(RecordVersion o) {
        int c = Long.compare(term, o.term);
        return c != 0 ? c : Long.compare(index, o.index);
    }

    public boolean newerThan(RecordVersion o) {
        return compareTo(o) > 0;
    }

    public boolean atLeast(RecordVersion o) {
        return compareTo(o) >= 0;
    }

    @Override
    public String toString() {
        return term + "." + index;
    }
}
