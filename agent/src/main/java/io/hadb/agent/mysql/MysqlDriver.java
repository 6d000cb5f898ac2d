package io.hadb.agent.mysql;

import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Starts, checks, supervises and stops mysqld. start() returns once the server answers real
 * queries and its durability settings have been judged; from then on a health check runs at the
 * configured interval, and in exec mode a crashed server is restarted in place within the restart
 * budget, after which the driver reports FAILED and leaves it down. stop() returns only once the
 * process is gone and its port closed.
 */
public final class MysqlDriver implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MysqlDriver.class.getName());
    private static final Duration START_POLL = Duration.ofMillis(50);
    private static final Duration PORT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final List<String> DURABILITY_VARIABLES =
            List.of("innodb_flush_log_at_trx_commit", "sync_binlog", "log_bin");

    private final MysqlConfig config;
    private final ServerProcess process;
    private final MysqlClient client;
    private final RestartBudget budget;
    private final ScheduledExecutorService executor;
    private volatile Consumer<Health> listener = h -> { };

    private boolean wanted;
    // written by the agent's goal changes without taking the lock: stop() may hold it for a long time
    private volatile boolean restartInPlace = true;
    private boolean gaveUp;
    private String gaveUpReason = "";
    private Instant startedAt = Instant.now();
    private boolean answeredSinceStart;
    private volatile Health latest = Health.of(HealthStatus.STOPPED, "not started");
    private List<String> durabilityProblems = List.of();
    private ScheduledFuture<?> monitor;

    public MysqlDriver(MysqlConfig config, CommandRunner runner) {
        this(config, runner, "systemctl");
    }

    MysqlDriver(MysqlConfig config, CommandRunner runner, String systemctl) {
        this.config = config;
        this.process = config.mode() == MysqlMode.EXEC ? new ExecServer(config)
                : new SystemdServer(config, runner, systemctl);
        this.client = new MysqlClient(config);
        this.budget = new RestartBudget(config.restartLimit(), config.restartWindow());
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mysql-health");
            t.setDaemon(true);
            return t;
        });
    }

    /** Called on the health thread whenever the status changes. */
    public void onHealthChange(Consumer<Health> listener) {
        this.listener = listener;
    }

    /**
     * Starts mysqld (or finds it running), waits until it is HEALTHY, then checks the durability
     * settings: logs a warning for each problem, or with durability = refuse stops it again and
     * throws {@link DurabilityException}.
     *
     * @throws MysqlException when it does not become healthy within the start timeout; it is then stopped
     */
    public synchronized Health start() throws MysqlException {
        if (wanted && process.isAlive()) return check();
        budget.reset();
        gaveUp = false;
        launch();
        Health h = awaitHealthy();
        if (h.status() != HealthStatus.HEALTHY) {
            String tail = outputTail();
            stopQuietly();
            throw new MysqlException("mysqld did not start: " + h.reason() + tail);
        }
        checkDurability();
        wanted = true;
        watchExit();
        monitor = executor.scheduleWithFixedDelay(this::monitorTick, config.healthInterval().toMillis(),
                config.healthInterval().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("mysqld: healthy (" + h.reason() + "), health check every " + config.healthInterval().toMillis() + " ms");
        return h;
    }

    /** Runs one health check now: SELECT 1 and the heartbeat write, classified. */
    public synchronized Health check() {
        Health h;
        if (gaveUp) {
            h = Health.of(HealthStatus.FAILED, gaveUpReason);
        } else {
            boolean alive = process.isAlive();
            ProbeResult probe = alive ? client.probe() : new ProbeResult.NoAnswer("process gone");
            h = HealthClassifier.classify(new HealthObservation(alive, Duration.between(startedAt, Instant.now()),
                    answeredSinceStart, probe), config.startTimeout());
            if (h.healthy()) answeredSinceStart = true;
        }
        publish(h);
        return h;
    }

    /** The last verdict, without querying. */
    public Health health() {
        return latest;
    }

    public OptionalLong pid() {
        return process.pid();
    }

    /** The durability problems found at the last start; empty when both settings are 1. */
    public synchronized List<String> durabilityProblems() {
        return durabilityProblems;
    }

    /**
     * Stops mysqld: SIGTERM (or systemctl stop), SIGKILL after the stop timeout; returns once the
     * process is gone and nothing listens on its port any more.
     */
    /** How long a server that failed its health check gets between SIGTERM and SIGKILL. */
    static final Duration FAILED_GRACE = Duration.ofSeconds(3);

    public synchronized void stop() throws MysqlException {
        stop(false);
    }

    /**
     * As {@link #stop()}; {@code diskGone}: its data disk is gone (DRBD Diskless), so a graceful shutdown can
     * write nothing and it gets the short grace, as a server that failed its health check does.
     */
    public synchronized void stop(boolean diskGone) throws MysqlException {
        wanted = false;
        if (monitor != null) monitor.cancel(false);
        client.close();
        // a server that stopped answering (hung, or stopped by a signal) will not shut down cleanly in time:
        // its grace is short, and the SIGKILL after it is safe with durable settings (InnoDB recovers)
        boolean hopeless = diskGone || latest.status() == HealthStatus.FAILED;
        Duration grace = hopeless && config.stopTimeout().compareTo(FAILED_GRACE) > 0 ? FAILED_GRACE : config.stopTimeout();
        process.stop(grace);
        awaitPortClosed();
        publish(Health.of(HealthStatus.STOPPED, "stopped"));
    }

    /**
     * Ends every client connection (for demotion while mysqld keeps running). Needs PROCESS and
     * CONNECTION ADMIN (or SUPER) for the health check's user. @return how many were ended
     */
    public int killClientConnections() throws MysqlException {
        try {
            int n = client.killClientConnections();
            LOG.info("mysqld: ended " + n + " client connections");
            return n;
        } catch (SQLException | IOException e) {
            throw new MysqlException("cannot end client connections: " + e.getMessage(), e);
        }
    }

    /** Stops the health thread; mysqld itself is left as it is. */
    @Override
    public void close() {
        synchronized (this) {
            wanted = false;
        }
        executor.shutdownNow();
        client.close();
    }

    private void launch() throws MysqlException {
        startedAt = Instant.now();
        answeredSinceStart = false;
        process.start();
    }

    private Health awaitHealthy() {
        while (true) {
            Health h = check();
            if (h.status() != HealthStatus.STARTING) return h;
            if (Thread.currentThread().isInterrupted()) return Health.of(HealthStatus.FAILED, "interrupted while starting");
            sleep(START_POLL);
        }
    }

    private void checkDurability() throws MysqlException {
        List<String> v;
        try {
            v = client.globals(DURABILITY_VARIABLES);
        } catch (SQLException | IOException e) {
            stopQuietly();
            throw new MysqlException("cannot read the durability settings: " + e.getMessage(), e);
        }
        durabilityProblems = DurabilityCheck.problems(v.get(0), v.get(1), v.get(2));
        if (durabilityProblems.isEmpty()) {
            LOG.info("mysqld: durable settings (innodb_flush_log_at_trx_commit=1, sync_binlog=1)");
            return;
        }
        if (config.durability() == DurabilityPolicy.REFUSE) {
            stopQuietly();
            DurabilityException e = new DurabilityException(durabilityProblems);
            LOG.severe("mysqld: " + e.getMessage());
            throw e;
        }
        for (String p : durabilityProblems) LOG.warning("mysqld: not durable: " + p);
    }

    private void watchExit() {
        process.exited().ifPresent(f -> {
            long pid = process.pid().orElse(-1);
            f.thenRun(() -> executor.execute(() -> onExit(pid)));
        });
    }

    /**
     * Whether a crashed mysqld is restarted in place: only while this node is to serve. A node stepping down
     * must not start it again (an isolated master's mysqld dies of the I/O errors that end its frozen writes).
     * Never blocks.
     */
    public void restartInPlace(boolean allowed) {
        restartInPlace = allowed;
    }

    /** The process ended; unless stop() asked for it, restart in place while the budget lasts. */
    private synchronized void onExit(long pid) {
        if (!wanted || process.pid().orElse(-1) != pid) return;
        String how = process.exitDescription();
        if (!restartInPlace) {
            LOG.info("mysqld: pid " + pid + " exited" + (how.isEmpty() ? "" : " (" + how + ")")
                    + "; not restarting it: this node is not to serve");
            client.close();
            check();
            return;
        }
        Instant now = Instant.now();
        if (!budget.tryConsume(now)) {
            gaveUp = true;
            gaveUpReason = "mysqld crashed again after " + budget.limit() + " restarts within "
                    + budget.window().toSeconds() + " s; not restarting it";
            LOG.severe("mysqld: pid " + pid + " exited" + (how.isEmpty() ? "" : " (" + how + ")") + "; "
                    + gaveUpReason);
            client.close();
            publish(Health.of(HealthStatus.FAILED, gaveUpReason));
            return;
        }
        LOG.warning("mysqld: pid " + pid + " exited unexpectedly" + (how.isEmpty() ? "" : " (" + how + ")")
                + "; restarting it in place (restart " + budget.used(now) + " of " + budget.limit() + " within "
                + budget.window().toSeconds() + " s)");
        client.close();
        try {
            launch();
            publish(Health.of(HealthStatus.STARTING, "restarted after a crash"));
            watchExit();
        } catch (MysqlException e) {
            gaveUp = true;
            gaveUpReason = "restart after a crash failed: " + e.getMessage();
            LOG.severe("mysqld: " + gaveUpReason);
            publish(Health.of(HealthStatus.FAILED, gaveUpReason));
        }
    }

    private void monitorTick() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warning("mysqld: health check failed unexpectedly: " + e);
        }
    }

    private void publish(Health h) {
        Health before = latest;
        latest = h;
        if (before.status() != h.status()) {
            LOG.info("mysqld: health " + before.status() + " -> " + h);
            try {
                listener.accept(h);
            } catch (RuntimeException e) {
                LOG.warning("mysqld: health listener failed: " + e);
            }
        }
    }

    private void awaitPortClosed() throws MysqlException {
        long deadline = System.nanoTime() + PORT_CLOSE_TIMEOUT.toNanos();
        while (portOpen()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new MysqlException("mysqld is gone but " + config.host() + ":" + config.port()
                        + " still accepts connections: another process listens there");
            }
            sleep(Duration.ofMillis(20));
        }
    }

    private boolean portOpen() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(config.host(), config.port()), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void stopQuietly() {
        try {
            process.stop(config.stopTimeout());
        } catch (MysqlException e) {
            LOG.warning("mysqld: " + e.getMessage());
        }
    }

    private String outputTail() {
        if (config.outputFile() == null) return "";
        try {
            List<String> lines = Files.readAllLines(config.outputFile());
            List<String> tail = lines.subList(Math.max(0, lines.size() - 5), lines.size());
            return tail.isEmpty() ? "" : "; its last output: " + String.join(" | ", tail);
        } catch (IOException e) {
            return "";
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
