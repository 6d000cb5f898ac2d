package io.hadb.testbed.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Samples both data nodes' TCP probes every 10 ms from the balancer's namespace (where the balancer's own
 * probes come from), on a thread of its own, for the whole drill. Keeps each node's probe transitions (to
 * find when a probe closed or opened) and every sample in which both probes completed a handshake.
 */
final class ProbeSampler implements AutoCloseable {
    /** A probe that changed: open or closed from this sample on. */
    record Change(long nanos, boolean open) {
    }

    private final Sandbox sandbox;
    private final int port;
    private final Thread thread;
    private final Map<String, List<Change>> changes = new TreeMap<>();
    private final List<Long> bothOpen = new ArrayList<>();
    private long samples;
    private volatile boolean stop;

    ProbeSampler(Sandbox sandbox) {
        this.sandbox = sandbox;
        this.port = sandbox.layout().probeTcpPort();
        for (SandboxLayout.Node n : SandboxLayout.dataNodes()) changes.put(n.name(), new ArrayList<>());
        this.thread = new Thread(this::run, "drill-probes");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        List<SandboxLayout.Node> nodes = SandboxLayout.dataNodes();
        while (!stop) {
            long t = System.nanoTime();
            boolean all = true;
            synchronized (this) {
                samples++;
            }
            for (SandboxLayout.Node n : nodes) {
                // a dropped SYN (isolated node) costs the timeout: short, so the two samples stay close together
                boolean open = sandbox.nodeProbeOpen(n, port, 20);
                all &= open;
                synchronized (this) {
                    List<Change> c = changes.get(n.name());
                    if (c.isEmpty() || c.get(c.size() - 1).open() != open) c.add(new Change(t, open));
                }
            }
            if (all) synchronized (this) {
                bothOpen.add(t);
            }
            long sleep = 10 - (System.nanoTime() - t) / 1_000_000;
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** The first moment at or after t at which node's probe was seen open (or closed), or -1. */
    synchronized long firstAfter(String node, long t, boolean open) {
        List<Change> c = changes.get(node);
        for (int i = 0; i < c.size(); i++) {
            Change ch = c.get(i);
            boolean coversT = ch.nanos() <= t && (i + 1 == c.size() || c.get(i + 1).nanos() > t);
            if (ch.open() == open && (ch.nanos() >= t || coversT)) return Math.max(t, ch.nanos());
        }
        return -1;
    }

    synchronized boolean openNow(String node) {
        List<Change> c = changes.get(node);
        return !c.isEmpty() && c.get(c.size() - 1).open();
    }

    /** Samples in [from, to) in which both probes were open. */
    synchronized int bothOpenBetween(long from, long to) {
        int n = 0;
        for (long t : bothOpen) if (t >= from && t < to) n++;
        return n;
    }

    synchronized long samples() {
        return samples;
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
