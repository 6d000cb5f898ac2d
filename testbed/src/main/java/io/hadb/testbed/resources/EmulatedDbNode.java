package io.hadb.testbed.resources;

import io.hadb.agent.drbd.DrbdAdm;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.fs.FilesystemDriver;
import io.hadb.agent.fs.FilesystemException;
import io.hadb.agent.fs.MountOptions;
import io.hadb.agent.mysql.MariadbDatadir;
import io.hadb.agent.mysql.MysqlConfig;
import io.hadb.agent.mysql.MysqlDriver;
import io.hadb.agent.mysql.MysqlException;
import io.hadb.agent.os.ProcessSignals;
import io.hadb.testbed.drbd.EmulatedPair;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * One emulated database node: the agent's three drivers (DRBD, filesystem, MySQL in exec mode)
 * for one node of an {@link EmulatedPair}, its mount point and a mariadbd whose datadir lives on the
 * replicated filesystem (MOUNT/data). Used by the switchover test and the resources benchmark.
 */
public final class EmulatedDbNode {
    public static final String USER = "hadb";
    private static final String PASSWORD = "switch-over";
    private static final Logger LOG = Logger.getLogger(EmulatedDbNode.class.getName());
    private static final Duration HOLDER_TIMEOUT = Duration.ofSeconds(5);
    /** Durable settings, so that the driver has nothing to warn about and commits survive a switchover. */
    private static final List<String> DURABLE = List.of("--innodb-flush-log-at-trx-commit=1", "--sync-binlog=1");

    private final String name;
    private final Path device;
    private final Path mountpoint;
    private final Path work;
    private final int port;
    private final DrbdAdm drbd;
    private final FilesystemDriver fs = new FilesystemDriver("ext4", MountOptions.parse("noatime"));
    private final MysqlDriver mysql;

    private EmulatedDbNode(String name, Path device, Path mountpoint, Path work, int port, DrbdAdm drbd) throws IOException {
        this.name = name;
        this.device = device;
        this.mountpoint = mountpoint;
        this.work = work;
        this.port = port;
        this.drbd = drbd;
        this.mysql = new MysqlDriver(config(mountpoint.resolve("data"), work, port, name), new CommandRunner());
    }

    /** The node's drivers; its mount point, pid file, socket and server output go under work/NODE. */
    public static EmulatedDbNode create(EmulatedPair pair, String node, Path work, int port) throws IOException {
        Path dir = work.resolve(node);
        Files.createDirectories(dir.resolve("mnt"));
        return new EmulatedDbNode(node, Path.of(pair.device(node)), dir.resolve("mnt"), dir, port,
                new DrbdAdm(new CommandRunner(), pair.resource(), pair.settings(node)));
    }

    /**
     * An exec-mode configuration for a mariadbd on datadir, its socket, pid file, output and
     * password file in dir (outside the replicated filesystem, so they never hold it busy).
     */
    public static MysqlConfig config(Path datadir, Path dir, int port, String node) throws IOException {
        Files.createDirectories(dir);
        Path passwordFile = dir.resolve("password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        List<String> options = new ArrayList<>(MariadbDatadir.smallServerOptions());
        options.addAll(DURABLE);
        return MysqlConfig.exec(MariadbDatadir.serverCommand(datadir, dir.resolve("mysqld.sock"), port, options),
                        dir.resolve("mysqld.pid"), datadir, null, port, USER, passwordFile)
                .withOutput(dir.resolve("mysqld.out"), node, Duration.ofSeconds(1))
                .withTimeouts(Duration.ofSeconds(90), Duration.ofSeconds(30));
    }

    /** Initialises a MariaDB datadir at MOUNT/data (the filesystem must be mounted here). */
    public void initializeDatadir() throws IOException {
        MariadbDatadir.initialize(new CommandRunner(), datadir(), USER, PASSWORD, MariadbDatadir.smallServerOptions());
    }

    public String name() {
        return name;
    }

    public DrbdAdm drbd() {
        return drbd;
    }

    public MysqlDriver mysql() {
        return mysql;
    }

    public Path device() {
        return device;
    }

    public Path mountpoint() {
        return mountpoint;
    }

    public Path datadir() {
        return mountpoint.resolve("data");
    }

    public int port() {
        return port;
    }

    public void mount() throws FilesystemException {
        fs.mount(device, mountpoint);
    }

    public void unmount() throws FilesystemException {
        fs.unmount(device, mountpoint, HOLDER_TIMEOUT);
    }

    public boolean mounted() throws FilesystemException {
        return fs.mountedAt(mountpoint).isPresent();
    }

    /** A client connection to this node's mariadbd, as the health check's user. */
    public Connection connect() throws SQLException {
        return connect(port);
    }

    public static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port
                + "/?connectTimeout=2000&socketTimeout=30000", USER, PASSWORD);
    }

    /** Polls the node's DRBD state until ok holds, or fails after timeout with the last state. */
    public DrbdResourceState await(String what, Predicate<DrbdResourceState> ok, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        DrbdResourceState s = drbd.status();
        while (!ok.test(s)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + ": timed out waiting for " + what + "; last " + s.summary());
            }
            Thread.sleep(50);
            s = drbd.status();
        }
        return s;
    }

    /**
     * Best-effort teardown after a test or benchmark, failed or not: stops mysqld (killing it if the
     * driver cannot), closes the driver and unmounts. Never throws; problems are logged.
     */
    public void cleanup() {
        OptionalLong pid = mysql.pid();
        try {
            mysql.stop();
        } catch (MysqlException | RuntimeException e) {
            LOG.warning(name + ": mysqld stop failed, killing it: " + e.getMessage());
            pid.ifPresent(p -> ProcessSignals.signal(p, 9));
            if (pid.isPresent()) ProcessSignals.awaitGone(List.of(pid.getAsLong()), Duration.ofSeconds(10));
        }
        mysql.close();
        try {
            if (mounted()) unmount();
        } catch (IOException | RuntimeException e) {
            LOG.warning(name + ": unmount of " + mountpoint + " failed: " + e.getMessage());
        }
    }

    /** A port in [from, to] on 127.0.0.1 that nothing listens on now and that is not in taken. */
    public static int freePort(int from, int to, Collection<Integer> taken) throws IOException {
        for (int p = from; p <= to; p++) {
            if (taken.contains(p)) continue;
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", p));
                return p;
            } catch (IOException busy) {
                // try the next
            }
        }
        throw new IOException("no free port in " + from + ".." + to + " on 127.0.0.1");
    }
}
