package io.hadb.agent.mysql;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The health check's connection to the server through MariaDB Connector/J, with short connect and
 * socket timeouts. One connection is kept between probes and dropped at the first error.
 */
final class MysqlClient implements AutoCloseable {
    static final String HEARTBEAT_DDL = "CREATE TABLE IF NOT EXISTS hadb.heartbeat (node VARCHAR(64) NOT NULL"
            + " PRIMARY KEY, beats BIGINT NOT NULL, at TIMESTAMP(6) NOT NULL) ENGINE=InnoDB";
    static final String HEARTBEAT_WRITE = "INSERT INTO hadb.heartbeat (node, beats, at) VALUES (?, 1, NOW(6))"
            + " ON DUPLICATE KEY UPDATE beats = beats + 1, at = NOW(6)";

    private final MysqlConfig config;
    private volatile Connection connection;
    private boolean heartbeatTableReady;
    /**
     * Every statement runs on this one thread, with a hard deadline: a server that is stopped (SIGSTOP, a
     * machine frozen) answers nothing, and socket timeouts are not honoured on every transport (a Unix socket),
     * so a hung server must not hang the caller. At the deadline the connection is aborted.
     */
    private final java.util.concurrent.ExecutorService io = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mysql-client");
        t.setDaemon(true);
        return t;
    });

    MysqlClient(MysqlConfig config) {
        this.config = config;
    }

    private Duration deadline() {
        return config.connectTimeout().plus(config.queryTimeout()).plusMillis(500);
    }

    private <T> T onIo(java.util.concurrent.Callable<T> task) throws SQLException, IOException {
        java.util.concurrent.Future<T> f = io.submit(task);
        try {
            return f.get(deadline().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // forget the connection: the statement blocked on it returns when the server dies or wakes, and
            // Connector/J's abort() would itself open a connection to the hung server to send a KILL
            connection = null;
            f.cancel(true);
            throw new SQLTimeoutException("no answer within " + deadline().toMillis() + " ms (server hung or stopped?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof SQLException se) throw se;
            if (c instanceof IOException ie) throw ie;
            if (c instanceof RuntimeException re) throw re;
            throw new SQLException(c);
        }
    }

    /** Closes the connection on the client's own thread, so the caller never waits behind a hung statement. */
    private void closeLater() {
        Connection c = connection;
        connection = null;
        if (c == null) return;
        io.execute(() -> {
            try {
                c.close();
            } catch (SQLException | RuntimeException ignored) {
                // it is being thrown away
            }
        });
    }

    /** SELECT 1, then one autocommitted write to hadb.heartbeat (created if missing). */
    ProbeResult probe() {
        long start = System.nanoTime();
        try {
            return onIo(() -> probeNow(start));
        } catch (SQLException e) {
            return classify(e);
        } catch (IOException e) {
            return new ProbeResult.NoAnswer(e.getMessage());
        }
    }

    private ProbeResult probeNow(long start) {
        try {
            Connection c = connection();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                if (!rs.next() || rs.getInt(1) != 1) return new ProbeResult.NoAnswer("SELECT 1 returned no 1");
            }
            if (!heartbeatTableReady) {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE DATABASE IF NOT EXISTS hadb");
                    st.execute(HEARTBEAT_DDL);
                }
                heartbeatTableReady = true;
            }
            try (PreparedStatement ps = c.prepareStatement(HEARTBEAT_WRITE)) {
                ps.setString(1, config.heartbeatNode());
                ps.executeUpdate();
            }
            return new ProbeResult.Answered(Duration.ofNanos(System.nanoTime() - start));
        } catch (SQLException e) {
            close();
            return classify(e);
        } catch (IOException e) {
            close();
            return new ProbeResult.NoAnswer("cannot read the password file: " + e.getMessage());
        }
    }

    /** The global values of the named server variables, null for one the server does not have. */
    List<String> globals(List<String> names) throws SQLException, IOException {
        return onIo(() -> globalsNow(names));
    }

    private List<String> globalsNow(List<String> names) throws SQLException, IOException {
        List<String> values = new ArrayList<>();
        try (Statement st = connection().createStatement()) {
            for (String name : names) {
                if (!name.matches("[a-z_]+")) throw new IllegalArgumentException("not a variable name: " + name);
                try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL." + name)) {
                    values.add(rs.next() ? rs.getString(1) : null);
                } catch (SQLException e) {
                    if (e.getErrorCode() != 1193) throw e; // 1193: unknown system variable
                    values.add(null);
                }
            }
        } catch (SQLException | IOException e) {
            close();
            throw e;
        }
        return values;
    }

    /** Ends every client connection but this one and the server's own threads. @return how many */
    int killClientConnections() throws SQLException, IOException {
        return onIo(this::killNow);
    }

    private int killNow() throws SQLException, IOException {
        int killed = 0;
        try (Statement st = connection().createStatement()) {
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT ID FROM information_schema.PROCESSLIST"
                    + " WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Slave_IO',"
                    + " 'Slave_SQL', 'Slave_worker') AND USER NOT IN ('system user', 'event_scheduler')")) {
                while (rs.next()) ids.add(rs.getLong(1));
            }
            for (long id : ids) {
                try {
                    st.execute("KILL CONNECTION " + id);
                    killed++;
                } catch (SQLException e) {
                    if (e.getErrorCode() != 1094) throw e; // 1094: unknown thread id, it ended meanwhile
                }
            }
        } catch (SQLException | IOException e) {
            close();
            throw e;
        }
        return killed;
    }

    @Override
    public void close() {
        // never waits for a statement that may hang
        closeLater();
        heartbeatTableReady = false;
    }

    private Connection connection() throws SQLException, IOException {
        if (connection != null) return connection;
        Properties p = new Properties();
        p.setProperty("user", config.user());
        if (config.passwordFile() != null) {
            p.setProperty("password", Files.readString(config.passwordFile(), StandardCharsets.UTF_8).strip());
        }
        p.setProperty("connectTimeout", Long.toString(config.connectTimeout().toMillis()));
        p.setProperty("socketTimeout", Long.toString(config.queryTimeout().toMillis()));
        String url;
        if (config.socket() != null) {
            url = "jdbc:mariadb://localhost/";
            p.setProperty("localSocket", config.socket().toString());
        } else {
            url = "jdbc:mariadb://" + hostForUrl(config.host()) + ":" + config.port() + "/";
        }
        connection = DriverManager.getConnection(url, p);
        connection.setAutoCommit(true);
        return connection;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** Connection-level failures (SQLSTATE class 08, timeouts) are no answer; the rest the server said. */
    static ProbeResult classify(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String msg = firstLine(e.getMessage());
        if (e instanceof SQLTimeoutException) return new ProbeResult.NoAnswer("timed out: " + msg);
        if (e.getErrorCode() == 0 || state.startsWith("08")) {
            return new ProbeResult.NoAnswer(msg + (e.getCause() != null ? " (" + firstLine(e.getCause().toString()) + ")" : ""));
        }
        return new ProbeResult.ServerError(e.getErrorCode(), state, msg);
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
