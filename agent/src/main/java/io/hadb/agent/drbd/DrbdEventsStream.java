package io.hadb.agent.drbd;

import io.hadb.agent.exec.CommandRunner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Runs `drbdsetup events2 --timestamps --statistics RES` for as long as the agent lives and hands
 * every new {@link DrbdResourceState} to a listener, so a change is seen in milliseconds rather
 * than at the next poll. The process first dumps the current state, then prints changes. When it
 * dies (or has not finished its dump within the dump timeout) it is killed and restarted after a
 * short backoff; the new dump re-syncs the state.
 *
 * <p>This is the one external command that does not go through CommandRunner, because it is meant
 * never to finish; the dump timeout is its bound instead.
 */
public final class DrbdEventsStream implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DrbdEventsStream.class.getName());

    private final List<String> command;
    private final Map<String, String> env;
    private final Consumer<DrbdResourceState> listener;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration dumpTimeout;
    private final Events2Feed feed;
    private final AtomicLong starts = new AtomicLong();
    private volatile boolean running;
    private volatile Process process;
    private Thread thread;

    /**
     * @param command     e.g. {@link #command(String, String)}
     * @param dumpTimeout how long a fresh process may take to print its initial dump
     */
    public DrbdEventsStream(String resource, List<String> command, Map<String, String> env,
                            Consumer<DrbdResourceState> listener, Duration minBackoff, Duration maxBackoff,
                            Duration dumpTimeout) {
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.listener = listener;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.dumpTimeout = dumpTimeout;
        this.feed = new Events2Feed(resource);
    }

    /** The usual command line: dump, then live changes, with timestamps and statistics. */
    public static List<String> command(String drbdsetup, String resource) {
        return List.of(drbdsetup, "events2", "--timestamps", "--statistics", resource);
    }

    public synchronized void start() {
        if (running) return;
        running = true;
        thread = new Thread(this::loop, "drbd-events2");
        thread.setDaemon(true);
        thread.start();
    }

    /** Kills the events2 process and waits for the reader to end. */
    public void stop() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        Process p = process;
        if (p != null) CommandRunner.killTree(p);
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** How many times an events2 process was started (1 + restarts). */
    public long processStarts() {
        return starts.get();
    }

    /** Lines that did not parse, over every process so far. */
    public synchronized long malformedLines() {
        return feed.malformedLines();
    }

    /** The last state delivered to the listener, or null before the first dump ended. */
    public synchronized DrbdResourceState current() {
        return feed.delivered();
    }

    private void loop() {
        long backoff = minBackoff.toMillis();
        while (running) {
            long started = System.nanoTime();
            String reason = runOnce();
            if (!running) break;
            // a process that lived long enough was healthy: start again quickly
            if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(10)) backoff = minBackoff.toMillis();
            LOG.warning("drbd events2 stream ended (" + reason + "); restarting in " + backoff + " ms");
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                if (!running) break;
            }
            backoff = Math.min(maxBackoff.toMillis(), Math.max(1, backoff * 2));
        }
    }

    private String runOnce() {
        synchronized (this) {
            feed.restart();
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return "could not start " + String.join(" ", command) + ": " + e.getMessage();
        }
        process = p;
        starts.incrementAndGet();
        StringBuilder stderr = new StringBuilder();
        Thread errDrain = drain(p.getErrorStream(), stderr);
        Thread watchdog = watchdog(p);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                List<DrbdResourceState> out = new ArrayList<>(1);
                synchronized (this) {
                    feed.line(line).ifPresent(out::add);
                }
                for (DrbdResourceState s : out) {
                    try {
                        listener.accept(s);
                    } catch (RuntimeException e) {
                        LOG.warning("events2 listener failed on " + s.summary() + ": " + e);
                    }
                }
            }
        } catch (IOException e) {
            // the process was killed under us
        } finally {
            watchdog.interrupt();
            CommandRunner.killTree(p);
            try {
                errDrain.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String err;
        synchronized (stderr) {
            err = stderr.toString().strip();
        }
        return "exit " + (p.isAlive() ? "?" : p.exitValue()) + (err.isEmpty() ? "" : ": " + err.lines().findFirst().orElse(""));
    }

    private Thread watchdog(Process p) {
        Thread w = new Thread(() -> {
            long deadline = System.nanoTime() + dumpTimeout.toNanos();
            try {
                while (System.nanoTime() < deadline) {
                    synchronized (this) {
                        if (process == p && feed.dumpComplete()) return;
                    }
                    Thread.sleep(20);
                }
                LOG.warning("drbd events2 printed no complete dump within " + dumpTimeout.toMillis() + " ms; killing it");
                CommandRunner.killTree(p);
            } catch (InterruptedException e) {
                // stream ended first
            }
        }, "drbd-events2-watchdog");
        w.setDaemon(true);
        w.start();
        return w;
    }

    private static Thread drain(InputStream in, StringBuilder sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    synchronized (sink) {
                        if (sink.length() < 4096) sink.append(l).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "drbd-events2-stderr");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
