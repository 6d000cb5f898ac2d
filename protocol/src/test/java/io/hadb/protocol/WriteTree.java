package io.hadb.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The simulation's data, as a tree of writes: every write has the write before it on the same copy, the node
 * that made it and that node's term. A node's data is its last write (0: the empty start), so two copies that
 * both wrote after they parted have diverged (DRBD's split brain), which a plain counter could not show.
 */
final class WriteTree {
    private final List<Long> parent = new ArrayList<>(List.of(-1L));
    private final List<Integer> writer = new ArrayList<>(List.of(0));
    private final List<Long> term = new ArrayList<>(List.of(0L));
    private final List<Integer> depth = new ArrayList<>(List.of(0));

    /** A new write on top of {@code after}; returns its id. */
    long write(long after, int node, long inTerm) {
        parent.add(after);
        writer.add(node);
        term.add(inTerm);
        depth.add(depth.get((int) after) + 1);
        return parent.size() - 1;
    }

    /** Whether the copy whose last write is {@code data} holds write {@code w}. */
    boolean holds(long data, long w) {
        int d = depth.get((int) w);
        long x = data;
        while (depth.get((int) x) > d) x = parent.get((int) x);
        return x == w;
    }

    /** The writes on {@code head}'s line that the copy {@code data} lacks, newest first. */
    List<Long> missing(long head, long data) {
        List<Long> out = new ArrayList<>();
        long common = commonAncestor(head, data);
        for (long x = head; x != common; x = parent.get((int) x)) out.add(x);
        return out;
    }

    long commonAncestor(long a, long b) {
        while (depth.get((int) a) > depth.get((int) b)) a = parent.get((int) a);
        while (depth.get((int) b) > depth.get((int) a)) b = parent.get((int) b);
        while (a != b) {
            a = parent.get((int) a);
            b = parent.get((int) b);
        }
        return a;
    }

    int writer(long w) {
        return writer.get((int) w);
    }

    long term(long w) {
        return term.get((int) w);
    }
}
