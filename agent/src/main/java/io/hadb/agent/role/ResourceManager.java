package io.hadb.agent.role;

import io.hadb.agent.config.ResourceConfig;
import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.drbd.DrbdCommandException;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdEventsStream;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.fs.FilesystemDriver;
import io.hadb.agent.mysql.HealthStatus;
import io.hadb.agent.mysql.MysqlDriver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The executor at the edge: keeps the resources where {@link RolePlanner} says they should be for the goal
 * the protocol set, one step at a time on its own thread (so no command ever blocks the protocol's loop),
 * every command with its timeout. It tells the agent when a release is complete, when the resources cannot
 * be brought up, and what DRBD says of the peer's copy.
 */
public final class ResourceManager implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("hadb.resources");

    /** What the agent learns from its resources. Called on the resource thread. */
    public interface Events {
        void released();

        /** @param beforeServing the resources never came up since the goal became SERVE */
        void failed(String reason, boolean beforeServing);

        /** DRBD's view of the peer's copy changed: connected and UpToDate, or not. */
        void peerInSync(boolean inSync);
    }

    private final ResourceConfig config;
    private final Events events;
    private final DrbdAdm drbd;
    private final DrbdEventsStream drbdEvents;
    private final FilesystemDriver fs;
    private final MysqlDriver mysql;
    private final ProbeSwitch probe;
    private final ScheduledExecutorService thread;
    private final java.util.concurrent.ExecutorService stopper = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hadb-mysql-stop");
        t.setDaemon(true);
        return t;
    });
    private volatile java.util.concurrent.Future<?> stopping;

    private volatile Goal goal = Goal.RELEASE;
    /** Whether the resources came up since the goal last became SERVE (a failure then is not a failed start). */
    private volatile boolean servedSinceServe;
    private volatile long leaseEndNanos = Long.MIN_VALUE;
    private volatile boolean releaseRequested;
    private volatile boolean forcedPromotion;
    private volatile DrbdResourceState drbdState;
    private Boolean lastPeerInSync;
    private String lastLogged = "";
    private int failures;
    // a master that loses its lease must have closed its probe and stopped mysqld before the lease ends
    private volatile long stopStarted;
    private volatile long stopDeadline;
    private volatile boolean stopMeasured = true;
    private final java.util.concurrent.atomic.AtomicLong lateStops = new java.util.concurrent.atomic.AtomicLong();
    private static final long CONNECT_RETRY_NANOS = 3_000_000_000L;
    private java.util.concurrent.ScheduledFuture<?> connectRetry;
    private boolean connectedOnce;
    private long lastConnect;
    private boolean failReported;
    private long lastFailReport;
    private boolean evaluating;
    private boolean again;
    private boolean closed;

    public ResourceManager(ResourceConfig config, CommandRunner runner, ProbeSwitch probe, Events events) {
        this.config = config;
        this.events = events;
        this.probe = probe;
        this.drbd = new DrbdAdm(runner, config.drbdResource(), config.drbd());
        this.fs = config.filesystem().driver();
        this.mysql = new MysqlDriver(config.mysql(), runner);
        this.drbdState = DrbdResourceState.absent(config.drbdResource());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hadb-resources");
            t.setDaemon(true);
            return t;
        });
        this.drbdEvents = new DrbdEventsStream(config.drbdResource(),
                DrbdEventsStream.command(config.drbd().drbdsetup(), config.drbdResource()), config.drbd().env(),
                this::drbdChanged, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(20));
        mysql.onHealthChange(h -> poke());
    }

    public void start() {
        drbdEvents.start();
        thread.scheduleWithFixedDelay(this::poke, 500, 500, TimeUnit.MILLISECONDS);
    }

    /**
     * The protocol's wish. {@code leaseEndNanos} is when this node's lease ends at the latest (System.nanoTime);
     * {@code release} asks for a {@link Events#released()} once everything is down.
     */
    public void setGoal(Goal g, long leaseEndNanos, boolean release) {
        this.leaseEndNanos = leaseEndNanos;
        if (release) releaseRequested = true;
        mysql.restartInPlace(g != Goal.RELEASE);
        if (g != goal) {
            LOG.info("goal " + goal + " -> " + g);
            failures = 0;
            if (g == Goal.SERVE) servedSinceServe = false;
            if (goal == Goal.SERVE && g == Goal.RELEASE) {
                stopStarted = System.nanoTime();
                stopDeadline = leaseEndNanos;
                stopMeasured = false;
            }
        }
        goal = g;
        poke();
    }

    public Goal goal() {
        return goal;
    }

    /** Whether this node's mastership came from an operator's forced promotion (see {@link Observed}). */
    public void forcedPromotion(boolean forced) {
        if (forced != forcedPromotion) LOG.info(forced ? "master by the operator's forced promotion: DRBD may be promoted with --force"
                : "no forced promotion in effect");
        forcedPromotion = forced;
    }

    private void drbdChanged(DrbdResourceState s) {
        drbdState = s;
        poke();
    }

    /** Re-evaluates on the resource thread; coalesces bursts of changes. */
    private void poke() {
        if (closed) return;
        try {
            thread.execute(this::evaluate);
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // shutting down
        }
    }

    public Observed observe() {
        boolean mounted;
        try {
            mounted = fs.mountedAt(config.filesystem().mountpoint()).isPresent();
        } catch (Exception e) {
            mounted = false;
        }
        HealthStatus h = mysql.health().status();
        return new Observed(drbdState, mounted, h, false, probe.healthy(), System.nanoTime() >= leaseEndNanos,
                forcedPromotion);
    }

    private void evaluate() {
        if (closed) return;
        reportPeer();
        Goal g = goal;
        if (g == Goal.HOLD) {
            // maintenance freezes resource actions, but the probe stays honest: only the lease holder
            // answers healthy
            return;
        }
        for (int i = 0; i < 12 && !closed; i++) {
            Observed o = observe();
            Step s = RolePlanner.next(g, o);
            if (s instanceof Step.Act a) {
                if (!run(a, o)) return;
                continue;
            }
            if (s instanceof Step.Done d) {
                failures = 0;
                if (g == Goal.SERVE) servedSinceServe = true;
                logOnce("resources " + d.state());
                if (g == Goal.RELEASE && releaseRequested) {
                    releaseRequested = false;
                    events.released();
                }
            } else if (s instanceof Step.Wait w) {
                logOnce("waiting: " + w.reason());
            } else if (s instanceof Step.Fail f) {
                reportFailure(f.reason());
            }
            return;
        }
    }

    private boolean run(Step.Act a, Observed o) {
        long start = System.nanoTime();
        // a step still under way (mysqld stopping) is asked for again on every look: one line for it
        logOnce(a.action().name().toLowerCase().replace('_', ' ') + ": " + a.reason());
        try {
            switch (a.action()) {
                case PROMOTE -> drbd.primary();
                case PROMOTE_FORCE -> drbd.primaryForce();
                case MOUNT -> fs.mount(config.filesystem().device(), config.filesystem().mountpoint());
                case START_MYSQL -> mysql.start();
                case OPEN_PROBE -> probe.setHealthy(true);
                case CLOSE_PROBE -> probe.setHealthy(false);
                case STOP_MYSQL -> {
                    // on its own thread: a mysqld stuck in D state behind frozen DRBD I/O must not keep this
                    // thread from the detach that frees it
                    if (stopping != null && !stopping.isDone()) {
                        thread.schedule(this::poke, 200, TimeUnit.MILLISECONDS);
                        return false;
                    }
                    // its disk is gone (failed, or detached to end frozen I/O): a graceful shutdown cannot write
                    // anything, so it gets the short grace
                    boolean diskGone = o.drbd().exists() && o.drbd().disk() == io.hadb.agent.drbd.DrbdDiskState.DISKLESS;
                    stopping = stopper.submit(() -> {
                        long t0 = System.nanoTime();
                        try {
                            mysql.stop(diskGone);
                            LOG.info("stop mysql done in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                            measureStop();
                        } catch (Exception e) {
                            LOG.warning("stop mysql failed after " + (System.nanoTime() - t0) / 1_000_000 + " ms: "
                                    + e.getMessage());
                        }
                        poke();
                        return null;
                    });
                    thread.schedule(this::poke, 200, TimeUnit.MILLISECONDS);
                    return false;
                }
                case UNMOUNT -> fs.unmount(config.filesystem().device(), config.filesystem().mountpoint(),
                        config.filesystem().holderTimeout());
                case DEMOTE -> drbd.secondary();
                case DETACH_FORCE -> drbd.detach(true);
                case RESUME_IO -> drbd.resumeIo();
                case ATTACH -> drbd.attach();
                case CONNECT -> {
                    // a still-frozen peer answers a connect with StandAlone again: retry every few seconds only,
                    // and do come back then (a StandAlone resource sends no event that would wake this thread)
                    long since = System.nanoTime() - lastConnect;
                    if (connectedOnce && since < CONNECT_RETRY_NANOS) {
                        // one pending retry at most: every look in the meantime comes here again
                        if (connectRetry == null || connectRetry.isDone()) {
                            connectRetry = thread.schedule(this::poke, (CONNECT_RETRY_NANOS - since) / 1_000_000 + 1,
                                    TimeUnit.MILLISECONDS);
                        }
                        return false;
                    }
                    connectedOnce = true;
                    lastConnect = System.nanoTime();
                    drbd.connect();
                }
                case DISCONNECT -> drbd.disconnect();
            }
            LOG.info(a.action().name().toLowerCase().replace('_', ' ') + " done in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
            if (a.action() == Step.Action.CLOSE_PROBE && o.mysql() == HealthStatus.STOPPED) measureStop();
            failures = 0;
            // the events stream may lag a command by a few ms: wait for DRBD's own word before the next step
            if (a.action() == Step.Action.PROMOTE || a.action() == Step.Action.PROMOTE_FORCE
                    || a.action() == Step.Action.DEMOTE) awaitDrbdRole(a.action());
            awaitDrbd(a.action());
            return true;
        } catch (Exception e) {
            failures++;
            String why = a.action().name().toLowerCase().replace('_', ' ') + " failed after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms: " + e.getMessage();
            LOG.log(Level.WARNING, why);
            if (goal == Goal.SERVE && (failures >= 2 || e instanceof DrbdCommandException dc
                    && dc.kind() == DrbdCommandException.Kind.NO_UP_TO_DATE_DATA)) {
                rollBackAndFail(why);
            }
            thread.schedule(this::poke, 500, TimeUnit.MILLISECONDS);
            return false;
        }
    }

    private void measureStop() {
        if (stopMeasured || goal != Goal.RELEASE) return;
        stopMeasured = true;
        long now = System.nanoTime();
        long took = (now - stopStarted) / 1_000_000;
        long spare = (stopDeadline - now) / 1_000_000;
        stopListener.accept(java.time.Duration.ofMillis(took), spare < 0);
        if (spare >= 0) {
            LOG.info("stopped serving (probe closed, mysqld stopped) in " + took + " ms, " + spare
                    + " ms before the lease ended");
        } else {
            lateStops.incrementAndGet();
            LOG.warning("stopped serving in " + took + " ms: " + (-spare) + " ms AFTER the lease ended "
                    + "(raise timings.stop_margin_ms or make mysqld stop faster)");
        }
    }

    private volatile java.util.function.BiConsumer<java.time.Duration, Boolean> stopListener = (d, late) -> { };

    /** Told how long each stop of a master that lost its lease took, and whether it ended after the lease. */
    public void onStopMeasured(java.util.function.BiConsumer<java.time.Duration, Boolean> listener) {
        this.stopListener = listener;
    }

    /** How many times a master stopped serving only after its lease had ended. */
    public long lateStops() {
        return lateStops.get();
    }

    /** DRBD's event stream lags a command by a few ms: wait until it shows the command's effect. */
    private void awaitDrbd(Step.Action a) throws InterruptedException {
        java.util.function.Predicate<DrbdResourceState> done = switch (a) {
            case DETACH_FORCE -> d -> d.disk() == DrbdDiskState.DISKLESS || d.disk() == DrbdDiskState.FAILED;
            case RESUME_IO -> d -> !d.ioSuspended();
            case ATTACH -> d -> d.disk() != DrbdDiskState.DISKLESS;
            case DISCONNECT -> d -> !d.connected();
            default -> null;
        };
        if (done == null) return;
        long until = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < until && !done.test(drbdState)) Thread.sleep(5);
    }

    private void awaitDrbdRole(Step.Action a) throws InterruptedException {
        long until = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < until) {
            boolean primary = drbdState.isPrimary();
            if (a == Step.Action.DEMOTE ? !primary : primary) return;
            Thread.sleep(5);
        }
    }

    /** A failed start rolls back what it did and hands the role away. */
    private void rollBackAndFail(String why) {
        LOG.warning("giving the master role away: " + why);
        reportFailure(why);
    }

    private void reportFailure(String reason) {
        long now = System.nanoTime();
        if (failReported && now - lastFailReport < 5_000_000_000L) return;
        failReported = true;
        lastFailReport = now;
        logOnce("cannot serve: " + reason);
        events.failed(reason, !servedSinceServe);
    }

    private void reportPeer() {
        DrbdResourceState s = drbdState;
        if (!s.exists()) return;
        boolean inSync = s.connected() && s.peerDisk() == DrbdDiskState.UPTODATE && !s.splitBrain();
        if (lastPeerInSync == null || lastPeerInSync != inSync) {
            lastPeerInSync = inSync;
            LOG.info("peer's copy " + (inSync ? "in sync" : "not in sync") + ": " + s.summary());
            events.peerInSync(inSync);
        }
    }

    private void logOnce(String line) {
        if (!line.equals(lastLogged)) {
            lastLogged = line;
            LOG.info(line);
        }
    }

    /** Closes the probe at once, whatever the goal (maintenance on a node that lost its lease). */
    public void closeProbe() {
        thread.execute(() -> {
            try {
                probe.setHealthy(false);
            } catch (Exception e) {
                LOG.warning("closing the probe failed: " + e.getMessage());
            }
        });
    }

    public DrbdResourceState drbdState() {
        return drbdState;
    }

    public HealthStatus mysqlStatus() {
        return mysql.health().status();
    }

    public boolean probeHealthy() {
        return probe.healthy();
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
        stopper.shutdownNow();
        drbdEvents.close();
        probe.close();
        mysql.close();
    }
}
