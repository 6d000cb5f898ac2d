package io.hadb.agent.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.os.ProcessSignals;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver against a real mariadbd (Debian's mariadb-server), exec mode, as root. */
class MysqlDriverTest {
    private static final List<String> DURABLE = List.of("--innodb-flush-log-at-trx-commit=1", "--sync-binlog=1",
            "--log-bin=mysql-bin", "--server-id=1");
    private static Path templateRoot;
    private static Path template;

    @TempDir
    Path tmp;
    private MariadbFixture db;
    private final List<MysqlDriver> drivers = new ArrayList<>();
    private final List<Long> pids = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (log) {
                log.add(r.getLevel() + " " + r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void makeTemplate() throws IOException {
        templateRoot = Files.createTempDirectory("hadb-mariadb-template");
        template = MariadbFixture.template(templateRoot);
    }

    @AfterAll
    static void removeTemplate() {
        MariadbFixture.deleteTree(templateRoot);
    }

    @BeforeEach
    void setUp() throws IOException {
        db = MariadbFixture.create(template, tmp);
        for (String name : List.of(MysqlDriver.class.getName(), ExecServer.class.getName())) {
            Logger.getLogger(name).addHandler(capture);
        }
    }

    @AfterEach
    void cleanUp() {
        for (String name : List.of(MysqlDriver.class.getName(), ExecServer.class.getName())) {
            Logger.getLogger(name).removeHandler(capture);
        }
        for (MysqlDriver d : drivers) {
            d.close();
            d.pid().ifPresent(pids::add);
        }
        db.killLeftovers(pids.stream().mapToLong(Long::longValue).toArray());
    }

    private MysqlDriver driver(MysqlConfig config) {
        MysqlDriver d = new MysqlDriver(config, new CommandRunner());
        drivers.add(d);
        return d;
    }

    @Test
    void healthyHeartbeatCrashRestartInPlaceThenBeyondTheBudgetFailed() throws Exception {
        MysqlDriver d = driver(db.config(DURABLE).withRestarts(1, Duration.ofMinutes(10)));
        Health h = d.start();
        assertEquals(HealthStatus.HEALTHY, h.status());
        assertTrue(h.latency().isPresent());
        assertEquals(List.of(), d.durabilityProblems());
        long first = d.pid().orElseThrow();
        pids.add(first);
        assertEquals(first, Long.parseLong(Files.readString(db.pidFile).strip()), "the pid file names our child");

        long beats = heartbeats();
        assertTrue(beats >= 1, "the start's health check committed a heartbeat");
        assertEquals(HealthStatus.HEALTHY, d.check().status());
        assertTrue(heartbeats() > beats, "another check committed another heartbeat");

        ProcessSignals.signal(first, 9);
        await("restarted in place under a new pid and healthy again",
                () -> d.pid().orElse(first) != first && d.health().healthy());
        long second = d.pid().orElseThrow();
        pids.add(second);
        assertNotEquals(first, second);
        assertTrue(heartbeats() > beats, "the heartbeat survived the crash");
        synchronized (log) {
            assertTrue(log.stream().anyMatch(m -> m.contains("pid " + first + " exited unexpectedly (killed by signal 9)")
                    && m.contains("restart 1 of 1")), log.toString());
        }

        ProcessSignals.signal(second, 9);
        await("FAILED once the budget is spent", () -> d.health().status() == HealthStatus.FAILED);
        assertTrue(d.health().reason().contains("after 1 restarts"), d.health().reason());
        assertTrue(ProcessSignals.awaitGone(List.of(second), Duration.ofSeconds(5)).isEmpty());
        Thread.sleep(500);
        assertEquals(HealthStatus.FAILED, d.check().status(), "and it stays down");
        assertEquals(second, d.pid().orElseThrow(), "no further restart");
        d.stop();
        assertFalse(db.portOpen());
    }

    @Test
    void aServerThatDiesWhileItsNodeStepsDownIsNotRestarted() throws Exception {
        MysqlDriver d = driver(db.config(DURABLE).withRestarts(3, Duration.ofMinutes(10)));
        d.start();
        long pid = d.pid().orElseThrow();
        pids.add(pid);
        d.restartInPlace(false);
        ProcessSignals.signal(pid, 9);
        await("the exit is noticed", () -> {
            synchronized (log) {
                return log.stream().anyMatch(m -> m.contains("pid " + pid + " exited") && m.contains("not restarting it"));
            }
        });
        Thread.sleep(500);
        assertEquals(pid, d.pid().orElseThrow(), "no restart");
        assertTrue(ProcessSignals.isGone(pid));
        assertFalse(d.health().healthy());
        assertFalse(db.portOpen());
        d.stop();
        assertEquals(HealthStatus.STOPPED, d.health().status());
    }

    @Test
    void gracefulStopLeavesNoProcessAndNoPort() throws Exception {
        MysqlDriver d = driver(db.config(DURABLE));
        d.start();
        long pid = d.pid().orElseThrow();
        pids.add(pid);
        assertTrue(db.portOpen());
        d.stop();
        assertTrue(ProcessSignals.isGone(pid));
        assertFalse(db.portOpen());
        assertEquals(HealthStatus.STOPPED, d.health().status());
        assertTrue(Files.readString(db.output).contains("Shutdown complete"), "shut down by SIGTERM, not killed");
        synchronized (log) {
            assertFalse(log.stream().anyMatch(m -> m.contains("SIGKILL;")), log.toString());
        }
        d.stop(); // stopping a stopped server is fine
    }

    @Test
    void aHungServerIsFailedNotHealthy() throws Exception {
        // over the Unix socket, where the driver's socket timeout does not hold
        MysqlDriver d = driver(db.config(DURABLE).withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(60))
                .withSocket(db.socket));
        d.start();
        long pid = d.pid().orElseThrow();
        pids.add(pid);
        assertEquals(HealthStatus.HEALTHY, d.check().status());
        ProcessSignals.signal(pid, 19); // SIGSTOP: alive, listening, answering nothing
        Health h = d.check();
        assertEquals(HealthStatus.FAILED, h.status(), "a server that answers nothing is not healthy: " + h);
        d.stop();
        assertTrue(ProcessSignals.isGone(pid));
        // a failed server is not given the full graceful stop (60 s here) before SIGKILL
        synchronized (log) {
            assertTrue(log.stream().anyMatch(m -> m.contains("pid " + pid + " still running "
                    + MysqlDriver.FAILED_GRACE.toMillis() + " ms after SIGTERM; sending SIGKILL")), log.toString());
        }
    }

    @Test
    void aServerThatIgnoresSigtermIsKilledAfterTheTimeout() throws Exception {
        MysqlDriver d = driver(db.config(DURABLE).withTimeouts(Duration.ofSeconds(60), Duration.ofMillis(800)));
        d.start();
        long pid = d.pid().orElseThrow();
        pids.add(pid);
        ProcessSignals.signal(pid, 19); // SIGSTOP: it cannot act on SIGTERM
        d.stop();
        assertTrue(ProcessSignals.isGone(pid));
        assertFalse(db.portOpen());
        synchronized (log) {
            assertTrue(log.stream().anyMatch(m -> m.contains("pid " + pid + " still running 800 ms after SIGTERM; sending SIGKILL")),
                    log.toString());
        }
    }

    @Test
    void nonDurableDefaultsAreWarnedAbout() throws Exception {
        MysqlDriver d = driver(db.config(List.of()));
        Health h = d.start();
        pids.add(d.pid().orElseThrow());
        assertEquals(HealthStatus.HEALTHY, h.status());
        List<String> p = d.durabilityProblems();
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("sync_binlog=0 (MariaDB's default)"), p.get(0));
        synchronized (log) {
            assertTrue(log.stream().anyMatch(m -> m.startsWith("WARNING") && m.contains("not durable: sync_binlog=0")),
                    log.toString());
        }
        d.stop();
    }

    @Test
    void nonDurableSettingsAreRefusedWhenConfigured() throws Exception {
        MysqlDriver d = driver(db.config(List.of("--innodb-flush-log-at-trx-commit=2", "--sync-binlog=1"))
                .withDurability(DurabilityPolicy.REFUSE));
        var ex = assertThrows(DurabilityException.class, d::start);
        assertEquals(1, ex.problems().size(), ex.problems().toString());
        assertTrue(ex.problems().get(0).startsWith("innodb_flush_log_at_trx_commit=2"), ex.getMessage());
        d.pid().ifPresent(pids::add);
        assertTrue(ProcessSignals.isGone(d.pid().orElseThrow()), "a refused server is stopped");
    }

    @Test
    void clientConnectionsCanBeEnded() throws Exception {
        MysqlDriver d = driver(db.config(DURABLE));
        d.start();
        pids.add(d.pid().orElseThrow());
        try (Connection a = db.connect(); Connection b = db.connect()) {
            assertTrue(a.isValid(2));
            assertTrue(d.killClientConnections() >= 2);
            assertThrows(SQLException.class, () -> a.createStatement().executeQuery("SELECT 1"));
            assertThrows(SQLException.class, () -> b.createStatement().executeQuery("SELECT 1"));
        }
        assertEquals(HealthStatus.HEALTHY, d.check().status(), "the driver's own connection comes back");
        d.stop();
    }

    @Test
    void aServerThatCannotStartIsReportedWithItsOutput() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", db.port));
            MysqlDriver d = driver(db.config(DURABLE));
            var ex = assertThrows(MysqlException.class, d::start);
            assertTrue(ex.getMessage().contains("did not start"), ex.getMessage());
            assertTrue(ex.getMessage().contains("process is gone"), ex.getMessage());
            assertTrue(ex.getMessage().contains("Address already in use"), ex.getMessage());
        }
    }

    @Test
    void wrongCredentialsFailAtOnceAndTheServerIsStopped() throws Exception {
        Files.writeString(db.passwordFile, "wrong\n");
        MysqlDriver d = driver(db.config(DURABLE));
        var ex = assertThrows(MysqlException.class, d::start);
        assertTrue(ex.getMessage().contains("1045"), ex.getMessage());
        long pid = d.pid().orElseThrow();
        pids.add(pid);
        assertTrue(ProcessSignals.isGone(pid));
    }

    @Test
    void aServerLeftRunningIsAdoptedFromItsPidFile() throws Exception {
        MysqlDriver first = driver(db.config(DURABLE));
        first.start();
        long pid = first.pid().orElseThrow();
        pids.add(pid);
        first.close(); // the agent goes away; mysqld keeps running
        MysqlDriver second = driver(db.config(DURABLE));
        assertEquals(HealthStatus.HEALTHY, second.start().status());
        assertEquals(pid, second.pid().orElseThrow(), "no second server started");
        second.stop();
        assertTrue(ProcessSignals.isGone(pid));
    }

    private long heartbeats() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT beats FROM hadb.heartbeat WHERE node = 'node1'")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            if (condition.getAsBoolean()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
