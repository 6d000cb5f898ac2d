package io.hadb.testbed.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.os.ProcessSignals;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Operator actions and a mysqld crash on the sandbox, through agentctl as an operator runs it. In each test
 * both TCP probes are sampled every 10 ms from before `up` until the end: never both healthy.
 */
class SandboxFailoverTest {
    private static final int BASE_PORT = 27306;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void switchoverThereAndBackLosesNoRow() throws Exception {
        Path dir = SandboxTesting.freshDir("sw");
        Sandbox sb = SandboxTesting.sandbox(dir, BASE_PORT, out());
        SandboxLayout l = sb.layout();
        ProbeWatch watch = new ProbeWatch(l);
        try {
            String m = master(sb);
            String p = peer(m);
            try (Connection c = SandboxEndToEndTest.connect(l, m); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE f");
                st.execute("CREATE TABLE f.t (id INT PRIMARY KEY, node VARCHAR(10) NOT NULL)");
            }
            insert(l, m, 1, 50);

            CommandResult there = agentctl(l, m, "switchover", p);
            assertEquals(0, there.exitCode(), there.summary());
            assertTrue(there.stdout().contains(p + " elected master"), there.stdout());
            awaitProbe(sb, p);
            assertEquals(ids(1, 50), ids(l, p), "every row committed on " + m + " is on " + p);
            insert(l, p, 51, 100);

            // the way back needs the old master in sync again; the switchover is refused until then
            await(sb, m, s -> follower(s, p) && s.path("record").path("outdated").isEmpty(), m + " in sync as " + p + "'s follower");
            CommandResult back = agentctl(l, p, "switchover", m);
            assertEquals(0, back.exitCode(), back.summary());
            awaitProbe(sb, m);
            assertEquals(ids(1, 100), ids(l, m), "every row of both masters is on " + m + " again");
            insert(l, m, 101, 101);
            assertEquals(ids(1, 101), ids(l, m));

            watch.close();
            assertEquals(List.of(), watch.bothOpen(), "both probes healthy at once");
            assertEquals(List.of(m, p), watch.seenOpen());
        } finally {
            watch.close();
            SandboxTesting.downQuietly(dir);
        }
    }

    @Test
    void killedMysqldIsRestartedInPlaceAndTheMasterKeepsItsRole() throws Exception {
        Path dir = SandboxTesting.freshDir("kill");
        Sandbox sb = SandboxTesting.sandbox(dir, BASE_PORT + 10, out());
        SandboxLayout l = sb.layout();
        ProbeWatch watch = new ProbeWatch(l);
        try {
            String m = master(sb);
            String p = peer(m);
            try (Connection c = SandboxEndToEndTest.connect(l, m); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE f");
                st.execute("CREATE TABLE f.t (id INT PRIMARY KEY, node VARCHAR(10) NOT NULL)");
            }
            insert(l, m, 1, 10);
            JsonNode before = Sandbox.agentStatus(l, m);
            long term = before.path("term").asLong();
            Path pidFile = l.datadir(m).resolve("mysqld.pid");
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            assertTrue(ProcessHandle.of(pid).map(h -> h.info().command().orElse("")).orElse("").endsWith("mariadbd"),
                    "pid file names a live mariadbd: " + pid);

            assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly(), "SIGKILL sent");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!ProcessSignals.isGone(pid)) {
                if (System.nanoTime() > deadline) throw new AssertionError("mariadbd " + pid + " survived SIGKILL");
                Thread.sleep(10);
            }
            // restarted in place: a new mariadbd, on the same node, takes a write
            long again = awaitNewPid(pidFile, pid);
            assertNotEquals(pid, again);
            insertRetrying(l, m, 11);
            assertEquals(ids(1, 11), ids(l, m), "the rows before the kill and the new one");
            awaitProbe(sb, m); // closed while mysqld was not healthy, open again once it is

            JsonNode after = Sandbox.agentStatus(l, m), peerView = Sandbox.agentStatus(l, p);
            assertEquals("master", after.path("role").asText(), after.toString());
            assertEquals(term, after.path("term").asLong(), "no new election: " + after);
            assertEquals(m, after.path("record").path("master").asText(), after.toString());
            assertEquals(m, peerView.path("leader").asText(), peerView.toString());
            assertEquals(term, peerView.path("term").asLong(), peerView.toString());
            String log = Files.readString(l.agentLog(m));
            assertTrue(log.contains("mysqld: pid " + pid + " exited"), "the agent logged mariadbd's death");

            watch.close();
            assertEquals(List.of(), watch.bothOpen(), "both probes healthy at once");
            assertEquals(List.of(m), watch.seenOpen(), p + "'s probe never opened");
        } finally {
            watch.close();
            SandboxTesting.downQuietly(dir);
        }
    }

    @Test
    void standbyOfTheMasterHandsOverWhileItStaysConnectedAndUpToDate() throws Exception {
        Path dir = SandboxTesting.freshDir("stb");
        Sandbox sb = SandboxTesting.sandbox(dir, BASE_PORT + 20, out());
        SandboxLayout l = sb.layout();
        ProbeWatch watch = new ProbeWatch(l);
        try {
            String m = master(sb);
            String p = peer(m);
            await(sb, p, s -> follower(s, m), p + " in sync as " + m + "'s follower");

            CommandResult standby = agentctl(l, m, "standby", m);
            assertEquals(0, standby.exitCode(), standby.summary());
            // the standby's DRBD, as its agent sees it, from the command until the peer serves and a while after
            List<String> drbd = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            long servedAt = 0;
            while (servedAt == 0 || System.nanoTime() - servedAt < 1_000_000_000L) {
                if (System.nanoTime() > deadline) throw new AssertionError(p + " did not take over:\n" + sb.status());
                JsonNode s = Sandbox.agentStatus(l, m);
                if (s != null && s.has("resources")) drbd.add(s.path("resources").path("drbd").asText());
                if (servedAt == 0 && Sandbox.probeOpen(SandboxLayout.node(p), l.probeTcpPort(), 100)) servedAt = System.nanoTime();
                Thread.sleep(20);
            }
            assertTrue(drbd.size() > 10, "sampled: " + drbd);
            for (String d : drbd)
                assertTrue(d.contains(" Connected ") && d.contains(" UpToDate/"), "the standby stays connected and UpToDate: " + d);
            JsonNode s = Sandbox.agentStatus(l, m);
            assertTrue(follower(s, p), "the standby is " + p + "'s follower, Secondary, connected, UpToDate: " + s);
            assertTrue(s.path("record").path("standby").toString().contains(m), s.toString());
            assertTrue(sb.status().contains("open on: " + p + "\n"), sb.status());
            try (Connection c = SandboxEndToEndTest.connect(l, p); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE f");
                st.execute("CREATE TABLE f.t (id INT PRIMARY KEY, node VARCHAR(10) NOT NULL)");
            }
            insert(l, p, 1, 1);

            CommandResult un = agentctl(l, p, "unstandby", m);
            assertEquals(0, un.exitCode(), un.summary());
            await(sb, p, v -> v.path("record").path("standby").isEmpty(), "the standby mark cleared");
            assertTrue(Sandbox.probeOpen(SandboxLayout.node(p), l.probeTcpPort(), 500), p + " keeps serving");

            watch.close();
            assertEquals(List.of(), watch.bothOpen(), "both probes healthy at once");
            assertEquals(List.of(m, p), watch.seenOpen());
        } finally {
            watch.close();
            SandboxTesting.downQuietly(dir);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static PrintStream out() {
        return SandboxTesting.tee(new ByteArrayOutputStream());
    }

    private static String master(Sandbox sb) throws Exception {
        return sb.up(Duration.ofSeconds(120)).master().orElseThrow(() -> new AssertionError("no master:\n" + sb.status()));
    }

    private static String peer(String node) {
        return node.equals("hadb01") ? "hadb02" : "hadb01";
    }

    /** agentctl as an operator runs it, in its own JVM, against the node's configuration. */
    private static CommandResult agentctl(SandboxLayout l, String node, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.hadb.agent.AgentCtl", "-c", l.config(node).toString()));
        cmd.addAll(List.of(args));
        return new CommandRunner().run(Duration.ofSeconds(30), cmd);
    }

    /** Follower of master, DRBD Secondary under a Primary, both UpToDate, connected. */
    private static boolean follower(JsonNode s, String master) {
        return s != null && s.path("role").asText().equals("follower") && master.equals(s.path("leader").asText(null))
                && s.path("resources").path("drbd").asText().contains("Secondary/Primary UpToDate/UpToDate Connected");
    }

    private static void await(Sandbox sb, String node, Predicate<JsonNode> p, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode s = null;
        while (s == null || !p.test(s)) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what
                    + "; " + node + " says " + s + "\n" + sb.status());
            Thread.sleep(50);
            s = Sandbox.agentStatus(sb.layout(), node);
        }
    }

    private static void awaitProbe(Sandbox sb, String node) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Sandbox.probeOpen(SandboxLayout.node(node), sb.layout().probeTcpPort(), 100)) {
            if (System.nanoTime() > deadline) throw new AssertionError(node + "'s probe never opened:\n" + sb.status());
            Thread.sleep(20);
        }
    }

    private static long awaitNewPid(Path pidFile, long old) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                long p = Long.parseLong(Files.readString(pidFile).trim());
                if (p != old && !ProcessSignals.isGone(p)) return p;
            } catch (java.io.IOException | NumberFormatException e) {
                // between the old server's death and the new one's pid file
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no new mariadbd pid in " + pidFile + " within " + WAIT.toSeconds() + " s");
    }

    /** Rows from..to, each committed on its own (autocommit) before the next. */
    private static void insert(SandboxLayout l, String node, int from, int to) throws SQLException {
        try (Connection c = SandboxEndToEndTest.connect(l, node);
             PreparedStatement ps = c.prepareStatement("INSERT INTO f.t VALUES (?, ?)")) {
            for (int i = from; i <= to; i++) {
                ps.setInt(1, i);
                ps.setString(2, node);
                assertEquals(1, ps.executeUpdate());
            }
        }
    }

    /** One row, retried while the server is (re)starting. */
    private static void insertRetrying(SandboxLayout l, String node, int id) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                insert(l, node, id, id);
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) throw e;
                Thread.sleep(50);
            }
        }
    }

    private static List<Integer> ids(SandboxLayout l, String node) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (Connection c = SandboxEndToEndTest.connect(l, node); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM f.t ORDER BY id")) {
            while (rs.next()) ids.add(rs.getInt(1));
        }
        return ids;
    }

    private static List<Integer> ids(int from, int to) {
        List<Integer> ids = new ArrayList<>();
        for (int i = from; i <= to; i++) ids.add(i);
        return ids;
    }
}
