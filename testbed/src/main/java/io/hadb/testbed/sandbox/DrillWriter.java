package io.hadb.testbed.sandbox;

import io.hadb.testbed.lb.NetnsSockets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The drill's client: on a thread of its own inside the client namespace, writes through the balancer's
 * frontend without pause, one sequence-numbered row per transaction, and records a row as acknowledged only
 * when COMMIT has returned, with the node that acknowledged it (a connection stays pinned to one backend, which
 * it names at connect: its pid file is in the node's directory). On any error it drops the connection and
 * reconnects at once, the connect bounded as its {@link ClientMode} says. Every attempt uses a new sequence
 * number, so a row found twice is a replay.
 */
final class DrillWriter implements AutoCloseable {
    /** One acknowledged row: its sequence number, when COMMIT returned (System.nanoTime) and which node served it. */
    record Ack(long seq, long nanos, String node) {
    }

    /** The first table; later ones are drill.t1, drill.t2… (see {@link #switchTo}). */
    static final String TABLE = "drill.t";
    private final String url;
    private final Thread thread;
    private final ClientMode mode;
    private final java.util.function.Function<String, String> nodeOfPidFile;
    private final List<Ack> acks = new ArrayList<>();
    private volatile boolean stop;
    private volatile String table = TABLE;
    private volatile String wantedTable = TABLE;
    /** The last sequence number used on a table before the switch to the current one (MIN_VALUE before any). */
    private volatile long switchedAfterSeq = Long.MIN_VALUE;
    private volatile String lastError = "";
    private long errors;
    private long total;

    /** @param nodeOfPidFile the node whose mariadbd writes this pid file (its @@pid_file), or null */
    DrillWriter(String frontend, int port, String user, ClientMode mode,
                java.util.function.Function<String, String> nodeOfPidFile) {
        this.mode = mode;
        this.nodeOfPidFile = nodeOfPidFile;
        // socketTimeout: a connection pinned to a frozen or isolated node fails instead of hanging
        this.url = "jdbc:mariadb://" + frontend + ":" + port + "/?user=" + user + "&connectTimeout=" + mode.connectTimeoutMs()
                + "&socketTimeout=3000";
        this.thread = new Thread(this::run, "drill-writer");
        thread.setDaemon(true);
    }

    /** Creates the drill table (if missing) through the frontend, then starts writing. */
    void start() {
        thread.start();
    }

    private void run() {
        NetnsSockets.enter(NetMode.CLIENT_NAMESPACE);
        long seq = nextSeq();
        Connection c = null;
        PreparedStatement insert = null;
        String node = "?";
        while (!stop) {
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url);
                    try (var st = c.createStatement()) {
                        try (var rs = st.executeQuery("SELECT @@pid_file")) {
                            String pid = rs.next() ? rs.getString(1) : null;
                            String n = pid == null ? null : nodeOfPidFile.apply(pid);
                            node = n == null ? "?" : n;
                        }
                        st.execute("CREATE DATABASE IF NOT EXISTS drill");
                        st.execute("CREATE TABLE IF NOT EXISTS " + table + " (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                                + " seq BIGINT NOT NULL, at_ns BIGINT NOT NULL, KEY (seq)) ENGINE=InnoDB");
                    }
                    c.setAutoCommit(false);
                    insert = c.prepareStatement("INSERT INTO " + table + " (seq, at_ns) VALUES (?, ?)");
                }
                if (!wantedTable.equals(table)) {
                    // the next row goes to the new table; every earlier one went to an older table
                    String next = wantedTable;
                    try (var st = c.createStatement()) {
                        st.execute("CREATE TABLE IF NOT EXISTS " + next + " LIKE " + table);
                    }
                    insert.close();
                    insert = c.prepareStatement("INSERT INTO " + next + " (seq, at_ns) VALUES (?, ?)");
                    switchedAfterSeq = seq;
                    table = next;
                }
                long s = ++seq;
                insert.setLong(1, s);
                insert.setLong(2, System.nanoTime());
                insert.executeUpdate();
                c.commit();
                long now = System.nanoTime();
                synchronized (acks) {
                    acks.add(new Ack(s, now, node));
                    total++;
                }
            } catch (SQLException | RuntimeException e) {
                synchronized (acks) {
                    errors++;
                }
                lastError = String.valueOf(e.getMessage());
                closeQuietly(c);
                c = null;
                insert = null;
                if (e instanceof SQLException) {
                    // immediate retry, but not a hot loop while the frontend drops every SYN at once
                    sleep(20);
                }
            }
        }
        closeQuietly(c);
    }

    /** Sequence numbers continue across drills on the same sandbox: start past what any earlier run used. */
    private static long nextSeq() {
        return System.currentTimeMillis() * 1000;
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // the connection is gone anyway
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<Ack> acks() {
        synchronized (acks) {
            return List.copyOf(acks);
        }
    }

    /**
     * Asks the writer to put its rows in a new table from its next transaction on, so that a long drill can
     * drop the old table (its rows verified) instead of filling the sandbox's small disk.
     */
    void switchTo(String newTable) {
        wantedTable = newTable;
    }

    /** The table rows go to now. */
    String table() {
        return table;
    }

    /** The last sequence number used on an older table, once the writer has switched to {@link #table()}. */
    long switchedAfterSeq() {
        return switchedAfterSeq;
    }

    /** Every acknowledgement since the start, forgotten ones included. */
    long totalAcks() {
        synchronized (acks) {
            return total;
        }
    }

    /** Forgets the acknowledgements up to seq (verified, and their rows deleted): a long drill's memory stays bounded. */
    void forgetThrough(long seq) {
        synchronized (acks) {
            acks.removeIf(a -> a.seq() <= seq);
        }
    }

    long errors() {
        synchronized (acks) {
            return errors;
        }
    }

    ClientMode mode() {
        return mode;
    }

    String lastError() {
        return lastError;
    }

    /** When the newest acknowledgement happened, or Long.MIN_VALUE before the first. */
    long lastAckNanos() {
        synchronized (acks) {
            return acks.isEmpty() ? Long.MIN_VALUE : acks.get(acks.size() - 1).nanos();
        }
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
