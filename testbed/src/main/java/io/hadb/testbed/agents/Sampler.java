package io.hadb.testbed.agents;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Asks every agent of a cluster for its status every few milliseconds on a thread of its own. */
public final class Sampler implements AutoCloseable {
    private final LocalCluster cluster;
    private final long periodMillis;
    private final List<Consumer<AgentStatus>> listeners = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long rounds;
    private volatile boolean paused;

    public Sampler(LocalCluster cluster, long periodMillis, List<Consumer<AgentStatus>> listeners) {
        this.cluster = cluster;
        this.periodMillis = periodMillis;
        this.listeners.addAll(listeners);
        thread = new Thread(this::run, "sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            long start = System.nanoTime();
            if (!paused) for (LocalCluster.Member m : cluster.members()) {
                AgentStatus s = cluster.status(m.name);
                if (s != null) for (Consumer<AgentStatus> l : listeners) l.accept(s);
            }
            rounds++;
            long left = periodMillis - (System.nanoTime() - start) / 1_000_000;
            if (left > 0) {
                try {
                    Thread.sleep(left);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Stops asking (while idle resource use is measured: the questions themselves cost the agents CPU). */
    public void pause(boolean p) {
        paused = p;
    }

    public long rounds() {
        return rounds;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5000);
    }
}
