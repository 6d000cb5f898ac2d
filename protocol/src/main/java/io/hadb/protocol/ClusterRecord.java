package io.hadb.protocol;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replicated cluster record: persisted by every voter and changed only through a majority.
 *
 * @param version     version of this content
 * @param master      node id of the master this record names, 0 for none
 * @param dataStates  each data node's copy: UpToDate or Outdated since a term (absent = UpToDate)
 * @param standby     nodes an operator put in standby: they never become master
 * @param maintenance when on, agents freeze every resource action while membership goes on
 * @param lastReason  why the record last changed, for the history
 */
public record ClusterRecord(RecordVersion version, int master, Map<Integer, DataState> dataStates,
                            Set<Integer> standby, boolean maintenance, String lastReason) {

    public static final ClusterRecord EMPTY = new ClusterRecord(RecordVersion.ZERO, 0, Map.of(), Set.of(), false, "");

    public ClusterRecord {
        dataStates = java.util.Collections.unmodifiableMap(new TreeMap<>(dataStates));
        standby = java.util.Collections.unmodifiableSet(new TreeSet<>(standby));
        if (lastReason == null) lastReason = "";
    }

    public DataState dataState(int node) {
        return dataStates.getOrDefault(node, DataState.UP_TO_DATE);
    }

    public boolean isOutdated(int node) {
        return !dataState(node).upToDate();
    }

    public boolean isStandby(int node) {
        return standby.contains(node);
    }

    /** The next version of this record, made by the master of {@code term}. */
    ClusterRecord next(long term, String reason) {
        return new ClusterRecord(new RecordVersion(term, version.index() + 1), master, dataStates, standby,
                maintenance, reason);
    }

    ClusterRecord withMaster(int m) {
        return new ClusterRecord(version, m, dataStates, standby, maintenance, lastReason);
    }

    ClusterRecord withDataState(int node, DataState s) {
        Map<Integer, DataState> d = new TreeMap<>(dataStates);
        if (s.upToDate()) d.remove(node);
        else d.put(node, s);
        return new ClusterRecord(version, master, d, standby, maintenance, lastReason);
    }

    ClusterRecord withStandby(int node, boolean on) {
        Set<Integer> s = new TreeSet<>(standby);
        if (on) s.add(node);
        else s.remove(node);
        return new ClusterRecord(version, master, dataStates, s, maintenance, lastReason);
    }

    ClusterRecord withMaintenance(boolean on) {
        return new ClusterRecord(version, master, dataStates, standby, on, lastReason);
    }

    /** Same content, version aside: used to skip changes that change nothing. */
    boolean sameContent(ClusterRecord o) {
        return master == o.master && dataStates.equals(o.dataStates) && standby.equals(o.standby)
                && maintenance == o.maintenance;
    }
}
