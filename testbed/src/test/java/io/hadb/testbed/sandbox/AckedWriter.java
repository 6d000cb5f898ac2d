package io.hadb.testbed.sandbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A client that keeps inserting rows into one node (autocommit, one row per statement, every 20 ms) and
 * remembers which inserts the server acknowledged: after a failover every one of them must be on the new
 * master. A failed or hung insert was never acknowledged, so it may be missing; the writer reconnects and
 * goes on with the next id until stopped.
 */
final class AckedWriter implements AutoCloseable {
    private final String url;
    private final String table;
    private final Thread thread;
    private volatile boolean running = true;
    private final List<Integer> acked = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private int nextId;

    AckedWriter(SandboxLayout layout, String node, String table, int firstId) {
        this.url = "jdbc:mariadb://" + SandboxLayout.node(node).address() + ":" + layout.sqlPort()
                + "/?connectTimeout=1000&socketTimeout=20000";
        this.table = table;
        this.nextId = firstId;
        this.thread = new Thread(this::run, "acked-writer-" + node);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Connection c = null;
        while (running) {
            try {
                if (c == null) c = DriverManager.getConnection(url, Sandbox.SQL_USER, "");
                int id = nextId++;
                try (Statement st = c.createStatement()) {
                    if (st.executeUpdate("INSERT INTO " + table + " VALUES (" + id + ", 'acked writer')") == 1) {
                        synchronized (this) {
                            acked.add(id);
                        }
                    }
                }
                Thread.sleep(20);
            } catch (SQLException e) {
                synchronized (this) {
                    if (errors.size() < 20) errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                closeQuietly(c);
                c = null;
                if (!pause(100)) break;
            } catch (InterruptedException e) {
                break;
            }
        }
        closeQuietly(c);
    }

    private boolean pause(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // the server is gone; nothing to close
        }
    }

    synchronized List<Integer> acked() {
        return List.copyOf(acked);
    }

    synchronized List<String> errors() {
        return List.copyOf(errors);
    }

    /** Stops after the insert in flight; one hung on a frozen disk is abandoned (it was not acknowledged). */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(25_000);
        if (thread.isAlive()) thread.interrupt();
    }
}
