package io.hadb.testbed.agents;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Invariant S1 over sampled statuses: every sample in which an agent says its lease is valid claims the
 * interval [its monotonic now, its lease end]. Agents on one host share CLOCK_MONOTONIC, so claims of
 * different agents are comparable, and no two may overlap.
 */
public final class LeaseChecker {
    /** One agent's claim of a valid lease. */
    public record Claim(String node, long from, long until) {}

    private final List<Claim> claims = new ArrayList<>();

    public synchronized void add(AgentStatus s) {
        if (s != null && (s.leaseValid() || s.serving())) claims.add(new Claim(s.node(), s.monoNanos(), s.leaseUntilNanos()));
    }

    /** Every pair of overlapping claims of different agents (empty when S1 held). */
    public synchronized List<String> violations() {
        List<Claim> sorted = new ArrayList<>(claims);
        sorted.sort(Comparator.comparingLong(Claim::from));
        Map<String, Claim> latestEnd = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (Claim c : sorted) {
            for (var e : latestEnd.entrySet()) {
                if (!e.getKey().equals(c.node()) && e.getValue().until() > c.from())
                    out.add(e.getValue() + " overlaps " + c);
            }
            latestEnd.merge(c.node(), c, (a, b) -> a.until() >= b.until() ? a : b);
        }
        return out;
    }

    public synchronized int size() {
        return claims.size();
    }

    public synchronized List<Claim> claims() {
        return List.copyOf(claims);
    }
}
