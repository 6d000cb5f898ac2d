package io.hadb.testbed.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hadb.agent.control.CtlExit;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.ByteArrayOutputStream;
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
 * The case an operator's forced promotion is for, on the sandbox: the replication link is cut, the master
 * writes on with its peer recorded Outdated, then the master dies for good. The survivor refuses promotion
 * without --force; with it, it becomes master (DRBD {@code primary --force} on its Outdated disk, the fence-peer
 * handler answering 4 since the forced record says the old master is Outdated) and serves the rows it had,
 * the rows written after the cut given up. Both probes are sampled every 10 ms throughout: never both healthy.
 */
class SandboxForceTest {
    private static final int BASE_PORT = 28306;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void theOutdatedSurvivorServesOnlyWhenForcedAndGivesUpTheDeadMastersLastWrites() throws Exception {
        Path dir = SandboxTesting.freshDir("force");
        Sandbox sb = SandboxTesting.sandbox(dir, BASE_PORT, SandboxTesting.tee(new ByteArrayOutputStream()));
        SandboxLayout l = sb.layout();
        ProbeWatch watch = new ProbeWatch(l);
        try {
            String m = sb.up(Duration.ofSeconds(120)).master().orElseThrow(() -> new AssertionError("no master:\n" + sb.status()));
            String p = m.equals("hadb01") ? "hadb02" : "hadb01";
            await(sb, p, s -> s.path("resources").path("drbd").asText().contains("UpToDate/UpToDate Connected"),
                    p + " in sync");
            try (Connection c = SandboxEndToEndTest.connect(l, m); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE f");
                st.execute("CREATE TABLE f.t (id INT PRIMARY KEY)");
            }
            insert(l, m, 1, 10);

            // replication cut: the master's I/O freezes until the cluster records the peer Outdated, then goes on
            CommandResult cut = Sandbox.pair(l).emu("cut-link", SandboxLayout.RESOURCE);
            assertTrue(cut.ok(), cut.summary());
            await(sb, p, s -> s.path("record").path("outdated").has(p), p + " knows it is Outdated");
            insert(l, m, 11, 20);
            long since = Sandbox.agentStatus(l, p).path("record").path("outdated").path(p).asLong();
            // what DRBD's own outdate does to the survivor's metadata: now only `primary --force` promotes it
            CommandResult outdate = Sandbox.pair(l).run(p, "drbdadm", "outdate", SandboxLayout.RESOURCE);
            assertTrue(outdate.ok(), outdate.summary());

            sb.crash(m);
            await(sb, p, s -> s.path("leader").isNull(), p + " sees the master gone");
            assertEquals("data Outdated", Sandbox.agentStatus(l, p).path("whyNotCandidate").asText());

            CommandResult refused = agentctl(l, p, "promote");
            assertEquals(CtlExit.TARGET_OUTDATED, refused.exitCode(), refused.summary());
            assertTrue(refused.stderr().contains("this node is Outdated since term " + since), refused.stderr());
            assertTrue(!Sandbox.probeOpen(SandboxLayout.node(p), l.probeTcpPort(), 200), "nothing served after a refusal");

            CommandResult forced = agentctl(l, p, "promote", "--force");
            assertEquals(0, forced.exitCode(), forced.summary());
            String reason = "forced promotion by operator: writes since term " + since + " on " + m + " given up";
            assertTrue(forced.stdout().contains(p + " won in term"), forced.stdout());
            assertTrue(forced.stdout().contains("forced record committed (" + reason + ")"), forced.stdout());
            assertTrue(forced.stdout().contains("probe healthy on " + p), forced.stdout());

            assertEquals(ids(1, 10), ids(l, p), "the rows before the cut; those after it are given up");
            insert(l, p, 21, 21);
            JsonNode s = Sandbox.agentStatus(l, p);
            assertTrue(s.path("forcedMaster").asBoolean(), s.toString());
            assertEquals(reason, s.path("record").path("reason").asText(), s.toString());
            assertTrue(s.path("resources").path("drbd").asText().contains(" Primary/"), s.toString());
            String log = Files.readString(l.agentLog(p));
            assertTrue(log.contains("becoming Primary with --force"), "DRBD promoted with --force");
            assertTrue(log.contains("answering 4"), "the fence-peer handler inside primary was answered 4");
            CommandResult history = agentctl(l, p, "history");
            assertTrue(history.stdout().contains("forced promotion won in term"), history.stdout());

            watch.close();
            assertEquals(List.of(), watch.bothOpen(), "both probes healthy at once");
            assertEquals(List.of(m, p), watch.seenOpen());
        } finally {
            watch.close();
            SandboxTesting.downQuietly(dir);
        }
    }

    private static CommandResult agentctl(SandboxLayout l, String node, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.hadb.agent.AgentCtl", "-c", l.config(node).toString()));
        cmd.addAll(List.of(args));
        return new CommandRunner().run(Duration.ofSeconds(90), cmd);
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

    private static void insert(SandboxLayout l, String node, int from, int to) throws SQLException {
        try (Connection c = SandboxEndToEndTest.connect(l, node);
             PreparedStatement ps = c.prepareStatement("INSERT INTO f.t VALUES (?)")) {
            for (int i = from; i <= to; i++) {
                ps.setInt(1, i);
                assertEquals(1, ps.executeUpdate());
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
