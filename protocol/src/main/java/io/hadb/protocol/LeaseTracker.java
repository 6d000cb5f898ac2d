package io.hadb.protocol;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The master's side of the lease: it remembers when it sent each renewal, and counts its lease from the
 * send time of the newest renewal that a majority (itself included) acknowledged. Counting from the send,
 * not from the arrival of the acks, is what keeps the lease inside every voter's promise.
 */
final class LeaseTracker {
    private static final int KEEP = 512;

    private final ClusterConfig config;
    private final int self;
    private final long leaseNanos;
    private final boolean flawLeaseFromAck;
    private final ArrayDeque<long[]> sent = new ArrayDeque<>(); // {seq, sentAt}
    private final Map<Integer, Long> ackedSeq = new HashMap<>();
    private long validUntil = Long.MIN_VALUE;
    private long bestSeq = -1;

    LeaseTracker(ClusterConfig config, int self, boolean flawLeaseFromAck) {
        this.config = config;
        this.self = self;
        this.leaseNanos = config.timings().leaseMs() * 1_000_000L;
        this.flawLeaseFromAck = flawLeaseFromAck;
    }

    void sent(long seq, long now, Set<Integer> credited) {
        sent.addLast(new long[] {seq, now});
        if (sent.size() > KEEP) sent.removeFirst();
        // with the peer fenced (its vote credited) this node alone may be a majority
        recompute(now, credited);
    }

    void acked(int peer, long seq, long now, Set<Integer> credited) {
        ackedSeq.merge(peer, seq, Math::max);
        recompute(now, credited);
    }

    void creditsChanged(long now, Set<Integer> credited) {
        recompute(now, credited);
    }

    private void recompute(long now, Set<Integer> credited) {
        // newest seq acknowledged by a majority: try the sent seqs from newest to oldest
        var it = sent.descendingIterator();
        while (it.hasNext()) {
            long[] s = it.next();
            if (s[0] <= bestSeq) break;
            int votes = config.node(self).votes();
            for (NodeSpec n : config.nodes()) {
                if (n.id() == self) continue;
                if (credited.contains(n.id()) || ackedSeq.getOrDefault(n.id(), -1L) >= s[0]) votes += n.votes();
            }
            if (votes >= config.quorum()) {
                bestSeq = s[0];
                long start = flawLeaseFromAck ? now : s[1];
                validUntil = Math.max(validUntil, start + leaseNanos);
                return;
            }
        }
    }

    long validUntil() {
        return validUntil;
    }

    boolean valid(long now) {
        return now < validUntil;
    }

    /** Give the lease up (switchover): from now on it is not valid. */
    void release() {
        validUntil = Long.MIN_VALUE;
        bestSeq = Long.MAX_VALUE;
    }
}
