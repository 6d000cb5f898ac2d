package io.hadb.protocol;

/**
 * What the cluster record says of a data node's copy. Outdated carries the term in which it was marked, so
 * an operator can tell how long it has lagged.
 */
public record DataState(boolean upToDate, long outdatedSinceTerm) {
    public static final DataState UP_TO_DATE = new DataState(true, 0);

    public static DataState outdatedSince(long term) {
        return new DataState(false, term);
    }

    @Override
    public String toString() {
        return upToDate ? "UpToDate" : "Outdated since term " + outdatedSinceTerm;
    }
}
