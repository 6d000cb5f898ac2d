package io.hadb.testbed.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sandbox as an operator uses it: up elects a master whose probe opens and which takes a write; the
 * master crashes (every process stopped at once, its DRBD gone); the peer serves with the row and takes a new
 * write; down leaves nothing. Both TCP probes are sampled every 10 ms throughout: never both healthy.
 */
class SandboxEndToEndTest {
    private static final int BASE_PORT = 23306;

    @Test
    void crashOfTheMasterHandsTheDataAndTheProbeToItsPeer() throws Exception {
        Path dir = SandboxTesting.freshDir("e2e");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = SandboxTesting.tee(buf);
        Sandbox sb = SandboxTesting.sandbox(dir, BASE_PORT, out);
        SandboxLayout l = sb.layout();
        List<Long> groups = new ArrayList<>();
        ProbeWatch watch = new ProbeWatch(l);
        try {
            Sandbox.UpResult up = sb.up(Duration.ofSeconds(120));
            for (SandboxLayout.Node n : SandboxLayout.NODES) groups.add(sb.agentPid(n.name()).orElseThrow());
            String master = up.master().orElseThrow(() -> new AssertionError("no master's probe opened:\n" + sb.status()));
            String peer = master.equals("hadb01") ? "hadb02" : "hadb01";
            assertTrue(Sandbox.probeOpen(SandboxLayout.node(master), l.probeTcpPort(), 500), "master's probe open");

            try (Connection c = connect(l, master); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE e2e");
                st.execute("CREATE TABLE e2e.t (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL)");
                assertEquals(1, st.executeUpdate("INSERT INTO e2e.t VALUES (1, 'written on " + master + "')"));
            }
            assertThrowsSql(() -> connect(l, peer).close(), "the peer does not serve SQL while " + master + " does");

            long masterGroup = sb.agentPid(master).orElseThrow();
            List<Long> masterProcesses = ProcessGroups.members(masterGroup);
            assertTrue(masterProcesses.size() >= 2, "agent and mariadbd (at least) in the master's group: " + masterProcesses);
            long crashed = System.nanoTime();
            sb.crash(master);
            assertEquals(List.of(), ProcessGroups.members(masterGroup), "every process of the crashed master is gone");
            assertTrue(sb.agentPid(master).isEmpty());
            assertFalse(Sandbox.mountedUnder(l.mountpoint(master)).contains(l.mountpoint(master).toString()),
                    "the crashed node's filesystem went with it");

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Sandbox.probeOpen(SandboxLayout.node(peer), l.probeTcpPort(), 100)) {
                if (System.nanoTime() > deadline) throw new AssertionError(peer + "'s probe never opened:\n" + sb.status());
                Thread.sleep(20);
            }
            out.printf("%s's probe open %.2f s after the crash of %s began%n", peer, (System.nanoTime() - crashed) / 1e9, master);
            try (Connection c = connect(l, peer); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT note FROM e2e.t WHERE id = 1")) {
                    assertTrue(rs.next(), "the row written on the old master is on " + peer);
                    assertEquals("written on " + master, rs.getString(1));
                }
                assertEquals(1, st.executeUpdate("INSERT INTO e2e.t VALUES (2, 'written on " + peer + "')"));
            }
            try (Connection c = connect(l, peer); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM e2e.t")) {
                assertTrue(rs.next());
                assertEquals(2, rs.getInt(1), "the new write committed");
            }
            String status = sb.status();
            assertTrue(status.lines().anyMatch(s -> s.startsWith(peer) && s.contains(" master ")), status);
            assertTrue(status.contains("open on: " + peer + "\n"), status);

            watch.close();
            assertEquals(List.of(), watch.bothOpen(), "both probes healthy at once");
            assertEquals(List.of(master, peer), watch.seenOpen(), "the master's probe, then the peer's");
            assertTrue(watch.samples() > 100, "sampled throughout: " + watch.samples());

            assertTrue(Sandbox.down(dir, out), "down reports a clean teardown");
            SandboxTesting.assertNothingLeft(dir, groups);
        } finally {
            watch.close();
            SandboxTesting.downQuietly(dir);
        }
    }

    static Connection connect(SandboxLayout l, String node) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + SandboxLayout.node(node).address() + ":" + l.sqlPort()
                + "/?connectTimeout=2000&socketTimeout=30000", Sandbox.SQL_USER, "");
    }

    interface SqlAction {
        void run() throws SQLException;
    }

    static void assertThrowsSql(SqlAction a, String what) {
        try {
            a.run();
        } catch (SQLException expected) {
            return;
        }
        throw new AssertionError(what);
    }
}
