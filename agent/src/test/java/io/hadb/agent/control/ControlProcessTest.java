package io.hadb.agent.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hadb.agent.AgentCtl;
import io.hadb.agent.config.KeyFile;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.systemd.DatagramReceiver;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three real agent processes (two data nodes and a witness, no resources) on 127.0.0.1–3, driven through
 * agentctl over their control sockets: the status table, switchover steps, refusals with their exit codes,
 * history, DRBD's fence-peer answers, the socket's owner, group and mode, credentials of other users
 * (through setpriv), systemd notifications of a spawned agent, a SIGTERM to the master that hands over, and
 * the operator's forced promotion of the Outdated survivor once the master is gone for good.
 * The tests share the cluster and run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] NAMES = {"hadb01", "hadb02", "witness"};
    private static final String GROUP = "nogroup";

    private Path dir;
    private Path sockets;
    private final Map<String, Process> agents = new LinkedHashMap<>();
    private final String notifyName = "@hadb-ctl-test-" + ProcessHandle.current().pid();
    private DatagramReceiver notify;

    @BeforeAll
    void startCluster() throws Exception {
        dir = Files.createTempDirectory("hadb-ctl");
        sockets = dir.resolve("sock");
        Files.createDirectories(sockets);
        // other users must reach the sockets' directory for the credential tests
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path key = dir.resolve("authkey");
        KeyFile.generate(key);
        int base = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
        StringBuilder nodes = new StringBuilder();
        for (int i = 0; i < 3; i++)
            nodes.append("[[nodes]]\nname = \"").append(NAMES[i]).append("\"\nid = ").append(i + 1).append("\nrole = \"")
                    .append(i == 2 ? "witness" : "data").append("\"\naddresses = [\"127.0.0.").append(i + 1).append(':')
                    .append(base + i).append("\"]\n");
        notify = new DatagramReceiver(notifyName);
        for (String n : NAMES) {
            // hadb01's socket lets the group in; the others are root only
            Files.writeString(dir.resolve(n + ".toml"), "cluster_id = \"ctl-test\"\nnode = \"" + n + "\"\nkey_file = \""
                    + key + "\"\ndata_dir = \"" + dir.resolve(n) + "\"\n\n[control]\nsocket = \"" + socket(n) + "\"\n"
                    + (n.equals("hadb01") ? "group = \"" + GROUP + "\"\n" : "") + "\n" + nodes);
            startAgent(n);
        }
        await(() -> master() != null && allQuorate(), 30_000, "a master and quorum everywhere");
    }

    @AfterAll
    void stopCluster() throws Exception {
        for (Process p : agents.values()) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (notify != null) notify.close();
        new CommandRunner().run(Duration.ofSeconds(30), List.of("rm", "-rf", dir.toString()));
    }

    // ------------------------------------------------------------ tests

    @Test
    @Order(1)
    void statusShowsEveryNodeQuorumAndMaster() throws Exception {
        String m = master();
        Ctl r = ctl(Map.of(), "--socket", socket("witness").toString(), "status");
        assertEquals(0, r.code, r.err);
        for (String n : NAMES) assertTrue(r.out.contains(n), r.out);
        assertTrue(r.out.contains("witness*"), "this node is marked: " + r.out);
        assertTrue(r.out.contains("Quorum:      yes"), r.out);
        assertTrue(r.out.contains("Master:      " + m), r.out);
        assertTrue(r.out.matches("(?s).*" + m + "\\s+data\\s+master\\s+up\\s+0:up.*"), r.out);

        Ctl j = ctl(Map.of(), "--socket", socket("hadb02").toString(), "status", "--json");
        assertEquals(0, j.code, j.err);
        JsonNode s = JSON.readTree(j.out);
        assertEquals("hadb02", s.path("node").asText());
        assertEquals(3, s.path("nodes").size());
        assertTrue(s.path("quorate").asBoolean());
    }

    @Test
    @Order(2)
    void socketIsRootsWithTheGroupAndMode0660() throws IOException {
        PosixFileAttributes a = Files.readAttributes(socket("hadb01"), PosixFileAttributes.class);
        assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
        assertEquals("root", a.owner().getName());
        assertEquals(GROUP, a.group().getName());
        PosixFileAttributes b = Files.readAttributes(socket("hadb02"), PosixFileAttributes.class);
        assertEquals("rw-rw----", PosixFilePermissions.toString(b.permissions()));
        assertEquals("root", b.group().getName());
    }

    @Test
    @Order(3)
    void otherUsersAreRefusedUnlessInTheGroup() throws Exception {
        Path cp = readableClassPath();
        // nobody, whose primary group is the socket's group: allowed
        CommandResult ok = asUser(cp, List.of("--reuid=65534", "--regid=65534", "--clear-groups"), socket("hadb01"));
        assertEquals(0, ok.exitCode(), ok.stdout() + ok.stderr());
        assertTrue(ok.stdout().contains("Quorum:"), ok.stdout());
        // a uid with no account that holds the group only as a supplementary group: the file mode lets it connect,
        // the credential check refuses it
        CommandResult stranger = asUser(cp, List.of("--reuid=12345", "--regid=12345", "--groups=65534"), socket("hadb01"));
        assertEquals(CtlExit.DENIED, stranger.exitCode(), stranger.stdout() + stranger.stderr());
        assertTrue(stranger.stderr().contains("permission denied: uid 12345 may not use the control socket; only root "
                + "and members of group nogroup may"), stranger.stderr());
        // nobody on a root-only socket: the kernel refuses the connection already
        CommandResult rootOnly = asUser(cp, List.of("--reuid=65534", "--regid=65534", "--clear-groups"), socket("hadb02"));
        assertEquals(CtlExit.DENIED, rootOnly.exitCode(), rootOnly.stdout() + rootOnly.stderr());
        assertTrue(rootOnly.stderr().contains("permission denied on the control socket"), rootOnly.stderr());
    }

    @Test
    @Order(4)
    void systemdHearsReadyStatusAndWatchdog() {
        boolean ready = false, status = false, watchdog = false;
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end && !(ready && status && watchdog)) {
            String m = notify.receive(500);
            if (m == null) continue;
            ready |= m.startsWith("READY=1");
            status |= m.contains("STATUS=") && m.contains("master ");
            watchdog |= m.equals("WATCHDOG=1");
        }
        assertTrue(ready, "READY=1");
        assertTrue(status, "STATUS= with the master");
        assertTrue(watchdog, "WATCHDOG=1");
    }

    @Test
    @Order(5)
    void refusalsHaveClearSentencesAndDistinctCodes() throws Exception {
        String m = master();
        String other = m.equals("hadb01") ? "hadb02" : "hadb01";
        Ctl already = ctl(Map.of(), "--socket", socket(other).toString(), "switchover", "--to", m);
        assertEquals(CtlExit.ALREADY, already.code, already.out + already.err);
        assertTrue(already.err.contains("refused: already master"), already.err);

        Ctl witness = ctl(Map.of(), "--socket", socket(m).toString(), "switchover", "--to", "witness");
        assertEquals(CtlExit.REFUSED, witness.code, witness.err);
        assertTrue(witness.err.contains("witness is a witness: it cannot be master"), witness.err);

        Ctl unknown = ctl(Map.of(), "--socket", socket(m).toString(), "standby", "nosuchnode");
        assertEquals(CtlExit.USAGE, unknown.code, unknown.err);
        assertTrue(unknown.err.contains("unknown node nosuchnode"), unknown.err);

        Ctl usage = ctl(Map.of(), "--socket", socket(m).toString(), "maintenance", "sideways");
        assertEquals(CtlExit.USAGE, usage.code);

        Ctl gone = ctl(Map.of(), "--socket", dir.resolve("no.sock").toString(), "status");
        assertEquals(CtlExit.UNREACHABLE, gone.code);
        assertTrue(gone.err.contains("cannot reach the agent"), gone.err);
    }

    @Test
    @Order(6)
    void switchoverPrintsEachStepAndMovesTheMaster() throws Exception {
        String m = master();
        String other = m.equals("hadb01") ? "hadb02" : "hadb01";
        Ctl r = ctl(Map.of(), "--socket", socket(m).toString(), "switchover", "--to", other);
        assertEquals(0, r.code, r.out + r.err);
        assertTrue(r.out.contains("switchover requested to " + other + " (master: " + m), r.out);
        assertTrue(r.out.contains(m + " stopped serving"), r.out);
        assertTrue(r.out.contains("old master " + m + " released its resources"), r.out);
        assertTrue(r.out.contains(other + " elected master in term"), r.out);
        assertTrue(r.out.contains(other + " is master in the committed record"), r.out);
        assertEquals(other, master());

        Ctl h = ctl(Map.of(), "--socket", socket(m).toString(), "history");
        assertEquals(0, h.code, h.err);
        assertTrue(h.out.contains("operator asks: switchover to " + other), h.out);
        assertTrue(h.out.contains("stopped serving in term"), h.out);
        JsonNode hj = JSON.readTree(ctl(Map.of(), "--socket", socket(m).toString(), "history", "--json").out);
        assertTrue(hj.path("history").size() >= 5, hj.toString());
    }

    @Test
    @Order(8)
    void fencePeerAnswersAsDrbdExpects() throws Exception {
        String m = master();
        String other = m.equals("hadb01") ? "hadb02" : "hadb01";
        // a node that is not master cannot confirm its peer Outdated: 1, I/O stays frozen
        Ctl follower = ctl(Map.of("DRBD_PEER", m, "DRBD_RESOURCE", "r0"), "--socket", socket(other).toString(),
                "fence-peer", "--wait-ms", "300");
        assertEquals(1, follower.code, follower.out + follower.err);
        // no agent to ask: 1, never 5 or 6
        Ctl nobody = ctl(Map.of("DRBD_PEER", other), "--socket", dir.resolve("no.sock").toString(), "fence-peer");
        assertEquals(1, nobody.code, nobody.err);
        Ctl noPeer = ctl(Map.of(), "--socket", socket(m).toString(), "fence-peer");
        assertEquals(1, noPeer.code, noPeer.err);
        // the master records its peer Outdated through the majority (with the witness) and answers 4
        Ctl master = ctl(Map.of("DRBD_PEER", other, "DRBD_RESOURCE", "r0"), "--socket", socket(m).toString(),
                "fence-peer", "--wait-ms", "5000");
        assertEquals(4, master.code, master.out + master.err);
        // the peer is now Outdated: promoting it would lose data
        Ctl outdated = ctl(Map.of(), "--socket", socket(m).toString(), "switchover", "--to", other);
        assertEquals(CtlExit.TARGET_OUTDATED, outdated.code, outdated.out + outdated.err);
        assertTrue(outdated.err.contains(other + " is Outdated: promoting it would lose data"), outdated.err);
        Ctl table = ctl(Map.of(), "--socket", socket(m).toString(), "status");
        assertTrue(table.out.contains("Outdated since term"), table.out);
        // the resync handlers tell the agent and exit 0
        Ctl unfence = ctl(Map.of("DRBD_PEER", other, "DRBD_RESOURCE", "r0"), "--socket", socket(m).toString(), "unfence-peer");
        assertEquals(0, unfence.code, unfence.err);
        Ctl after = ctl(Map.of("DRBD_PEER", m), "--socket", dir.resolve("no.sock").toString(), "after-resync-target");
        assertEquals(0, after.code, "exits 0 even when the agent is away: " + after.err);
        Ctl h = ctl(Map.of(), "--socket", socket(m).toString(), "history");
        assertTrue(h.out.contains("DRBD unfence-peer handler: " + other + " resynced"), h.out);
        assertTrue(h.out.contains("answered 4"), h.out);
    }

    @Test
    @Order(7)
    void sigtermOnTheMasterHandsOverBeforeExiting() throws Exception {
        String m = master();
        String other = m.equals("hadb01") ? "hadb02" : "hadb01";
        Process p = agents.get(m);
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), m + " did not exit after SIGTERM");
        assertEquals(0, p.exitValue(), "a clean stop exits 0");
        String log = Files.readString(dir.resolve(m + ".log"));
        assertTrue(log.contains("stopping while master: asking for a switchover first"), log);
        assertTrue(log.contains("hand-over before stopping done: " + other + " is master"), log);
        assertEquals(other, masterAmong(other, "witness"));
        // back in the cluster for the tests after this one
        startAgent(m);
        await(() -> status(m) != null && other.equals(status(m).path("leader").asText(null)), 30_000, m + " rejoins");
    }

    @Test
    @Order(9)
    void promoteIsRefusedWithoutForceAndWhileAMasterIsLive() throws Exception {
        String m = master();
        String other = m.equals("hadb01") ? "hadb02" : "hadb01";
        long since = status(m).path("record").path("outdated").path(other).asLong();
        assertTrue(since > 0, "the peer is Outdated after the fence-peer test");
        Ctl plain = ctl(Map.of(), "--socket", socket(other).toString(), "promote");
        assertEquals(CtlExit.TARGET_OUTDATED, plain.code, plain.out + plain.err);
        assertTrue(plain.err.contains("refused: this node is Outdated since term " + since + ": promoting it would lose "
                + "the writes made since; add --force if the peer's data is gone"), plain.err);
        Ctl live = ctl(Map.of(), "--socket", socket(other).toString(), "promote", "--force");
        assertEquals(CtlExit.USE_SWITCHOVER, live.code, live.out + live.err);
        assertTrue(live.err.contains("refused: " + m + " is master: use switchover"), live.err);
        Ctl notOutdated = ctl(Map.of(), "--socket", socket(m).toString(), "promote", "--force");
        assertEquals(CtlExit.ALREADY, notOutdated.code, notOutdated.err);
        Ctl witness = ctl(Map.of(), "--socket", socket("witness").toString(), "promote", "--force");
        assertEquals(CtlExit.REFUSED, witness.code, witness.err);
        assertTrue(witness.err.contains("witness is a witness: it cannot be master"), witness.err);
        Ctl badWindow = ctl(Map.of(), "--socket", socket(other).toString(), "promote", "--force", "--window", "0");
        assertEquals(CtlExit.USAGE, badWindow.code, badWindow.err);
        assertEquals(m, master(), "no refusal changed anything");
    }

    @Test
    @Order(10)
    void sigtermOnAMasterThatNobodyCanReplaceJustStops() throws Exception {
        String m = master();
        JsonNode s = status(m);
        assertTrue(s.path("record").path("outdated").size() > 0, "the other data node is Outdated: " + s);
        Process p = agents.get(m);
        p.destroy();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), m + " did not exit after SIGTERM");
        String log = Files.readString(dir.resolve(m + ".log"));
        assertTrue(log.contains("stopping without a hand-over: no other node can take over"), log);
    }

    @Test
    @Order(11)
    void theOperatorForcesTheOutdatedSurvivorOnceTheMasterIsGone() throws Exception {
        String gone = agents.entrySet().stream().filter(e -> !e.getValue().isAlive()).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
        String survivor = gone.equals("hadb01") ? "hadb02" : "hadb01";
        await(() -> status(survivor) != null && status(survivor).path("leader").isNull(), 10_000, "the master seen gone");
        long since = status(survivor).path("record").path("outdated").path(survivor).asLong();
        assertTrue(since > 0, "the survivor is Outdated: " + status(survivor));
        assertEquals("data Outdated", whyNotCandidate(survivor));

        Ctl r = ctl(Map.of(), "--socket", socket(survivor).toString(), "promote", "--force", "--window", "20");
        assertEquals(0, r.code, r.out + r.err);
        assertTrue(r.out.contains("promote --force requested on " + survivor + " (Outdated since term " + since), r.out);
        String reason = "forced promotion by operator: writes since term " + since + " on " + gone + " given up";
        assertTrue(r.out.contains(survivor + " won in term"), r.out);
        assertTrue(r.out.contains("forced record committed (" + reason + ")"), r.out);
        assertEquals(survivor, masterAmong(survivor, "witness"));

        JsonNode s = status(survivor);
        assertTrue(s.path("forcedMaster").asBoolean(), s.toString());
        assertEquals(reason, s.path("record").path("reason").asText());
        assertTrue(s.path("record").path("outdated").path(gone).asLong() > since, "the old master is Outdated now: " + s);
        assertTrue(s.path("record").path("outdated").path(survivor).isMissingNode(), "the survivor is UpToDate: " + s);
        Ctl table = ctl(Map.of(), "--socket", socket(survivor).toString(), "status");
        assertTrue(table.out.contains("FORCED:") && table.out.contains(reason), table.out);
        Ctl h = ctl(Map.of(), "--socket", socket(survivor).toString(), "history");
        assertTrue(h.out.contains("operator asks: promote --force"), h.out);
        assertTrue(h.out.contains("forced promotion won in term"), h.out);
        Ctl wh = ctl(Map.of(), "--socket", socket("witness").toString(), "history");
        assertTrue(wh.out.contains("voted for " + survivor) && wh.out.contains("the operator forced its promotion"), wh.out);
        // spent: a second one is refused
        Ctl again = ctl(Map.of(), "--socket", socket(survivor).toString(), "promote", "--force");
        assertEquals(CtlExit.ALREADY, again.code, again.err);
    }

    private String whyNotCandidate(String n) {
        return status(n).path("whyNotCandidate").asText(null);
    }

    // ------------------------------------------------------------ helpers

    private void startAgent(String n) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.hadb.agent.AgentMain", "--config", dir.resolve(n + ".toml").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(n + ".log").toFile()));
        if (n.equals("hadb01")) {
            pb.environment().put("NOTIFY_SOCKET", notifyName);
            pb.environment().put("WATCHDOG_USEC", "1000000");
        }
        agents.put(n, pb.start());
    }

    private Path socket(String n) {
        return sockets.resolve(n + ".sock");
    }

    record Ctl(int code, String out, String err) {}

    private Ctl ctl(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = AgentCtl.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        // the DRBD handlers read their environment; give them this one instead of the test JVM's
        setEnv(cl, "fence-peer", env);
        setEnv(cl, "unfence-peer", env);
        setEnv(cl, "after-resync-target", env);
        int code = cl.execute(args);
        return new Ctl(code, out.toString(), err.toString());
    }

    private static void setEnv(picocli.CommandLine cl, String sub, Map<String, String> env) {
        AgentCtl.setHandlerEnvironment(cl.getSubcommands().get(sub).getCommandSpec().userObject(), env);
    }

    private JsonNode status(String n) {
        try (ControlClient c = new ControlClient(socket(n))) {
            return JSON.readTree(c.ask("status", Duration.ofSeconds(5)));
        } catch (IOException e) {
            return null;
        }
    }

    private String master() {
        return masterAmong(NAMES);
    }

    private String masterAmong(String... names) {
        for (String n : names) {
            if (!agents.get(n).isAlive()) continue;
            JsonNode s = status(n);
            if (s != null && "master".equals(s.path("role").asText()) && s.path("serving").asBoolean()) return n;
        }
        return null;
    }

    private boolean allQuorate() {
        for (String n : NAMES) {
            JsonNode s = status(n);
            if (s == null || !s.path("quorate").asBoolean()) return false;
        }
        return true;
    }

    /** This JVM's class path copied where another user can read it (the Maven repository is root's). */
    private Path readableClassPath() throws IOException {
        Path cp = dir.resolve("cp");
        if (Files.isDirectory(cp)) return cp;
        Files.createDirectories(cp);
        CommandRunner run = new CommandRunner();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (e.isEmpty() || e.contains("test-classes") || e.contains("junit") || e.contains("opentest4j")) continue;
            Path dest = cp.resolve(i++ + "-" + Path.of(e).getFileName());
            run.run(Duration.ofSeconds(60), List.of("cp", "-r", e, dest.toString()));
        }
        run.run(Duration.ofSeconds(30), List.of("chmod", "-R", "a+rX", cp.toString()));
        return cp;
    }

    private CommandResult asUser(Path cp, List<String> setpriv, Path socket) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("setpriv"));
        cmd.addAll(setpriv);
        String classPath;
        try (var s = Files.list(cp)) {
            classPath = String.join(":", s.map(Path::toString).sorted().toList());
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", classPath,
                "io.hadb.agent.AgentCtl", "--socket", socket.toString(), "status"));
        return new CommandRunner(Map.of("HOME", "/tmp")).run(Duration.ofSeconds(60), cmd);
    }

    static void await(java.util.function.BooleanSupplier cond, long timeoutMs, String what) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (System.nanoTime() < end) {
            if (cond.getAsBoolean()) return;
            Thread.sleep(50);
        }
        fail("timed out after " + timeoutMs + " ms waiting for " + what);
    }
}
