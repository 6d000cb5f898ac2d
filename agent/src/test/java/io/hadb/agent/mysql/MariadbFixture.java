package io.hadb.agent.mysql;

import io.hadb.agent.exec.CommandRunner;
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
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A test's own mariadbd: a copy of a template datadir made once per class, a free port in
 * 33061..33069 on 127.0.0.1, its socket, pid file and output under the test's temp dir.
 */
final class MariadbFixture {
    static final String USER = "hadb";
    static final String PASSWORD = "s3cret'pw";
    final Path dir;
    final Path datadir;
    final Path pidFile;
    final Path socket;
    final Path output;
    final Path passwordFile;
    final int port;

    private MariadbFixture(Path dir, int port) {
        this.dir = dir;
        this.datadir = dir.resolve("data");
        this.pidFile = dir.resolve("mysqld.pid");
        this.socket = dir.resolve("mysqld.sock");
        this.output = dir.resolve("mysqld.out");
        this.passwordFile = dir.resolve("password");
        this.port = port;
    }

    static Path template(Path dir) throws IOException {
        Path t = dir.resolve("template");
        MariadbDatadir.initialize(new CommandRunner(), t, USER, PASSWORD, MariadbDatadir.smallServerOptions());
        return t;
    }

    static MariadbFixture create(Path template, Path dir) throws IOException {
        MariadbFixture f = new MariadbFixture(dir, freePort());
        MariadbDatadir.copy(template, f.datadir);
        Files.writeString(f.passwordFile, PASSWORD + "\n");
        return f;
    }

    /** An exec-mode configuration for this server with the given extra mariadbd options. */
    MysqlConfig config(List<String> options) {
        List<String> all = new ArrayList<>(MariadbDatadir.smallServerOptions());
        all.addAll(options);
        return MysqlConfig.exec(MariadbDatadir.serverCommand(datadir, socket, port, all), pidFile, datadir, null, port,
                        USER, passwordFile)
                .withOutput(output, "node1", Duration.ofMillis(200))
                .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(20));
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/?connectTimeout=2000&socketTimeout=5000",
                USER, PASSWORD);
    }

    boolean portOpen() {
        try (var s = new java.net.Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills whatever mariadbd this fixture may have left (by the pid file and the given pids). */
    void killLeftovers(long... pids) {
        List<Long> all = new ArrayList<>();
        for (long p : pids) if (p > 0) all.add(p);
        ExecServer.fromPidFile(pidFile).ifPresent(h -> all.add(h.pid()));
        for (long p : all) {
            if (!io.hadb.agent.os.ProcessSignals.isGone(p)) {
                io.hadb.agent.os.ProcessSignals.signal(p, 9);
                io.hadb.agent.os.ProcessSignals.signal(p, 18); // SIGCONT, in case a test stopped it
            }
        }
        io.hadb.agent.os.ProcessSignals.awaitGone(all, Duration.ofSeconds(10));
    }

    static void deleteTree(Path p) {
        if (p == null || !Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException e) {
            System.err.println("cleanup: " + e.getMessage());
        }
    }

    /** A port in 33061..33069 that nothing listens on now. */
    private static int freePort() throws IOException {
        for (int port = 33061; port <= 33069; port++) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException busy) {
                // try the next
            }
        }
        throw new IOException("no free port in 33061..33069 on 127.0.0.1");
    }
}
