package io.hadb.testbed.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Both data nodes' TCP probes, sampled together every {@code periodMs} on a thread of its own while it
 * runs; then plain functions over the samples: when a node's probe first opened, the longest stretch
 * with neither open, samples with both open.
 */
final class ProbeTimeline implements AutoCloseable {
    /** One sample: when (System.nanoTime) and whether each node's probe completed a handshake. */
    record Sample(long nanos, boolean first, boolean second) {
        boolean any() {
            return first || second;
        }

        boolean open(int node) {
            return node == 0 ? first : second;
        }
    }

    private final List<InetSocketAddress> probes;
    private final long periodMs;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** @param probes the two data nodes' TCP probe addresses, in node order */
    ProbeTimeline(List<InetSocketAddress> probes, long periodMs) {
        if (probes.size() != 2) throw new IllegalArgumentException("two probes, got " + probes.size());
        this.probes = List.copyOf(probes);
        this.periodMs = periodMs;
        thread = new Thread(this::run, "probe-timeline");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            long t = System.nanoTime();
            boolean a = open(probes.get(0)), b = open(probes.get(1));
            synchronized (samples) {
                samples.add(new Sample(t, a, b));
            }
            long sleep = periodMs - (System.nanoTime() - t) / 1_000_000;
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static boolean open(InetSocketAddress a) {
        try (Socket s = new Socket()) {
            s.connect(a, 50);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** First sample at or after {@code fromNanos} in which node (0 or 1) is open, as its time. */
    OptionalLong firstOpen(int node, long fromNanos) {
        return firstOpen(samples(), node, fromNanos);
    }

    static OptionalLong firstOpen(List<Sample> s, int node, long fromNanos) {
        for (Sample x : s) if (x.nanos() >= fromNanos && x.open(node)) return OptionalLong.of(x.nanos());
        return OptionalLong.empty();
    }

    /**
     * The longest stretch, in ns, with no probe open between {@code fromNanos} and {@code toNanos}: from the
     * last open sample before a closed run (or fromNanos, if the window starts closed) to the first open
     * sample after it (or toNanos, if the window ends closed).
     */
    static long longestGap(List<Sample> s, long fromNanos, long toNanos) {
        long lastOpen = fromNanos;
        boolean inGap = false;
        long longest = 0;
        for (Sample x : s) {
            if (x.nanos() > toNanos) break;
            if (x.nanos() < fromNanos) continue;
            if (x.any()) {
                if (inGap) longest = Math.max(longest, x.nanos() - lastOpen);
                inGap = false;
                lastOpen = x.nanos();
            } else {
                inGap = true;
            }
        }
        if (inGap) longest = Math.max(longest, toNanos - lastOpen);
        return longest;
    }

    /** Samples in which both probes were open: two nodes serving. */
    static long bothOpen(List<Sample> s) {
        return s.stream().filter(x -> x.first() && x.second()).count();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(2000);
    }
}
