package io.hadb.protocol;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The invariants the simulation checks after every step. Each method returns a description of the
 * violation, or null.
 */
final class SafetyChecker {
    private final ClusterConfig config;
    private ClusterRecord maxCommitted = ClusterRecord.EMPTY;
    private final java.util.Map<RecordVersion, ClusterRecord> seen = new java.util.HashMap<>();
    /** The acknowledged writes that won forced promotions gave up. */
    private final Set<Long> givenUp = new HashSet<>();

    SafetyChecker(ClusterConfig config) {
        this.config = config;
    }

    /** S1: at most one node holds a valid lease, by its own clock. Crashed nodes hold none. */
    String leases(Collection<Simulation.SimNode> nodes, long realNow) {
        int holders = 0;
        StringBuilder who = new StringBuilder();
        for (Simulation.SimNode n : nodes) {
            if (n.node != null && n.node.leaseValid(n.local(realNow))) {
                holders++;
                who.append(' ').append(config.name(n.id)).append("(term ").append(n.node.term()).append(", ")
                        .append(n.node.leaseRemainingMs(n.local(realNow))).append(" ms left)");
            }
        }
        return holders > 1 ? "S1: " + holders + " valid leases at once:" + who : null;
    }

    /** What a node writes to disk never goes back: term, and within a term its vote; the record's version. */
    String persisted(int node, PersistentState before, PersistentState after) {
        String n = config.name(node);
        if (after.term() < before.term()) return n + " persisted term " + after.term() + " after " + before.term();
        if (after.term() == before.term() && before.votedFor() != 0 && after.votedFor() != before.votedFor())
            return n + " changed its vote in term " + after.term() + " from " + before.votedFor() + " to " + after.votedFor();
        if (before.record().version().newerThan(after.record().version()))
            return n + " persisted record " + after.record().version() + " after " + before.record().version();
        return null;
    }

    /**
     * The committed record never goes back: a newer commit has a higher index than every earlier one (a new
     * master started from a record that holds every committed change), and one version never has two
     * contents. A master that was frozen may report late that an older version was committed: that is true
     * and harmless, so it is only checked against what was committed under the same version.
     */
    String committed(int node, ClusterRecord r) {
        RecordVersion v = r.version(), m = maxCommitted.version();
        ClusterRecord same = seen.get(v);
        if (same != null && !same.sameContent(r))
            return "record " + v + " committed with two different contents";
        seen.put(v, r);
        if (m.newerThan(v)) return null; // a late report of an older commit
        if (v.index() <= m.index() && !v.equals(m))
            return "record went back: " + config.name(node) + " committed " + v + " after " + m
                    + " was committed, dropping committed changes";
        maxCommitted = r;
        return null;
    }

    /** Leader completeness: a master of a later term starts from a record that holds every change committed so far. */
    String elected(int node, long term, RecordVersion base) {
        // a candidate frozen mid-election may win an old term late; only later terms must hold the commit
        if (term > maxCommitted.version().term() && base.index() < maxCommitted.version().index())
            return "record went back: " + config.name(node) + " became master with record index " + base.index()
                    + " but " + maxCommitted.version() + " was committed";
        return null;
    }

    /**
     * An operator's forced promotion of {@code node} was won: the acknowledged writes its copy lacks are given
     * up. The exception is precise: only writes made by another data node that the forced record now marks
     * Outdated, in a term no earlier than the one since which {@code node} was Outdated (writes it missed while
     * marked). Any other write it lacks is a real loss, reported here. What is given up is given up for the
     * cluster: a later master (another node resynced from the forced one) may lack those writes too.
     */
    String forcedWin(int node, long lostSinceTerm, Set<Integer> outdatedNow, WriteTree tree, long latestWrite, long data) {
        Set<Long> lost = new HashSet<>();
        for (long w : tree.missing(latestWrite, data)) {
            int by = tree.writer(w);
            if (by == node || !outdatedNow.contains(by))
                return "S2: forced promotion of " + config.name(node) + " would lose write " + w + " made by "
                        + config.name(by) + ", which the forced record does not give up (it gives up " + outdatedNow + ")";
            if (tree.term(w) < lostSinceTerm)
                return "S2: forced promotion of " + config.name(node) + " would lose write " + w + " of term "
                        + tree.term(w) + ", made before " + config.name(node) + " was Outdated (term " + lostSinceTerm + ")";
            lost.add(w);
        }
        givenUp.addAll(lost);
        return null;
    }

    /**
     * S2: a node Outdated in the committed record never serves, and a new master has every acknowledged write
     * except those that a won forced promotion gave up (see {@link #forcedWin}).
     */
    String startsServing(int node, long data, long latestWrite, WriteTree tree) {
        if (maxCommitted.isOutdated(node))
            return "S2: " + config.name(node) + " serves while the committed record says it is "
                    + maxCommitted.dataState(node);
        for (long w : tree.missing(latestWrite, data))
            if (!givenUp.contains(w))
                return "S2: " + config.name(node) + " serves with data " + data + " but write " + w + " (by "
                        + config.name(tree.writer(w)) + " in term " + tree.term(w) + ") was acknowledged"
                        + (givenUp.isEmpty() ? "" : " and no forced promotion gave that write up");
        return null;
    }

    /** An operator discards a diverged copy (split brain): none of the writes dropped may be acknowledged ones. */
    String discards(int node, List<Long> dropped, WriteTree tree, long latestWrite) {
        for (long w : dropped)
            if (tree.holds(latestWrite, w))
                return "S3: discarding " + config.name(node) + "'s diverged copy drops acknowledged write " + w;
        return null;
    }
}
