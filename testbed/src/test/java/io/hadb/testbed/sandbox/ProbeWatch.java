package io.hadb.testbed.sandbox;

import java.util.ArrayList;
import java.util.List;

/**
 * Samples both data nodes' TCP probes every 10 ms on its own thread and records every sample in which
 * both completed a handshake (a safety violation: two nodes serving), and which nodes were ever seen open.
 */
final class ProbeWatch implements AutoCloseable {
    private final SandboxLayout layout;
    private final Thread thread;
    private volatile boolean running = true;
    private final List<String> bothOpen = new ArrayList<>();
    private final List<String> seenOpen = new ArrayList<>();
    private long samples;

    ProbeWatch(SandboxLayout layout) {
        this.layout = layout;
        this.thread = new Thread(this::run, "probe-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        List<SandboxLayout.Node> nodes = SandboxLayout.dataNodes();
        while (running) {
            long t = System.nanoTime();
            boolean a = Sandbox.probeOpen(nodes.get(0), layout.probeTcpPort(), 50);
            boolean b = Sandbox.probeOpen(nodes.get(1), layout.probeTcpPort(), 50);
            synchronized (this) {
                samples++;
                if (a && b) bothOpen.add("sample " + samples + " at " + t / 1_000_000 + " ms");
                if (a && !seenOpen.contains(nodes.get(0).name())) seenOpen.add(nodes.get(0).name());
                if (b && !seenOpen.contains(nodes.get(1).name())) seenOpen.add(nodes.get(1).name());
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

    synchronized long samples() {
        return samples;
    }

    synchronized List<String> bothOpen() {
        return List.copyOf(bothOpen);
    }

    /** Nodes in the order their probe was first seen open. */
    synchronized List<String> seenOpen() {
        return List.copyOf(seenOpen);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(2000);
    }
}
