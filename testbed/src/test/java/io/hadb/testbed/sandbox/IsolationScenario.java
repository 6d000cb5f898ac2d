package io.hadb.testbed.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.testbed.drbd.EmulatedPair;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The isolation drill, run by {@link IsolationTest} inside a network namespace it made: sandbox up, a row on
 * the master M, then M cut off from its peer and the witness with nftables (and, with {@code --cut-link},
 * DRBD's replication link cut as well, as a real isolation does); every 10 ms both probes, M's mariadbd and
 * both DRBD roles are sampled; once the peer serves, the rows are checked and a new one written there;
 * then the network heals and M must rejoin as a follower with DRBD connected and UpToDate.
 *
 * <p>Its findings go to stdout as {@code FACT key=value} lines (the test asserts on them), its narrative as
 * ordinary lines. It always runs {@code Sandbox.down} before it exits.
 *
 * <pre>IsolationScenario NETNS DIR BASE_PORT [--cut-link]</pre>
 */
public final class IsolationScenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream OUT = System.out;
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration REJOIN_TIMEOUT = Duration.ofSeconds(90);

    private IsolationScenario() {
    }

    static void fact(String key, Object value) {
        OUT.println("FACT " + key + "=" + value);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: IsolationScenario NETNS DIR BASE_PORT [--cut-link]");
            System.exit(2);
        }
        String netns = args[0];
        Path dir = Path.of(args[1]);
        int basePort = Integer.parseInt(args[2]);
        boolean cutLink = args.length > 3 && args[3].equals("--cut-link");
        NetnsIsolation.requireNamespace(netns);
        int rc = 1;
        try {
            rc = run(netns, dir, basePort, cutLink) ? 0 : 1;
        } catch (Throwable t) {
            OUT.println("scenario failed: " + t);
            t.printStackTrace(OUT);
        } finally {
            fact("downClean", Sandbox.down(dir, OUT));
            fact("done", true);
        }
        OUT.flush();
        System.exit(rc);
    }

    private static boolean run(String netns, Path dir, int basePort, boolean cutLink) throws Exception {
        CommandRunner runner = new CommandRunner();
        Sandbox sb = SandboxTesting.sandbox(dir, basePort, OUT);
        SandboxLayout l = sb.layout();
        Sandbox.UpResult up = sb.up(Duration.ofSeconds(120));
        List<String> groups = new ArrayList<>();
        for (SandboxLayout.Node n : SandboxLayout.NODES) groups.add(Long.toString(sb.agentPid(n.name()).orElseThrow()));
        fact("groups", String.join(",", groups));
        String m = up.master().orElseThrow(() -> new IllegalStateException("no master's probe opened:\n" + sb.status()));
        String p = m.equals("hadb01") ? "hadb02" : "hadb01";
        fact("master", m);
        fact("peer", p);

        String table = "iso.t";
        // the sandbox's SQL user is for 127.0.0.1 and localhost, where every loopback client comes from on the host;
        // in this namespace a client of a node comes from that node's address (see NetnsIsolation), so allow those
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + SandboxLayout.node(m).address() + ":"
                + l.sqlPort() + "/?connectTimeout=2000&localSocketAddress=127.0.0.1", Sandbox.SQL_USER, "");
             Statement st = c.createStatement()) {
            st.execute("CREATE USER '" + Sandbox.SQL_USER + "'@'127.0.0.%'");
            st.execute("GRANT ALL PRIVILEGES ON *.* TO '" + Sandbox.SQL_USER + "'@'127.0.0.%'");
        }
        try (Connection c = connect(l, m); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE iso");
            st.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL)");
            fact("rowWrittenOnMaster", st.executeUpdate("INSERT INTO " + table + " VALUES (1, 'before isolation')") == 1);
        }
        long mysqldPid = Long.parseLong(Files.readString(l.datadir(m).resolve("mysqld.pid")).trim());
        fact("masterMysqldPid", mysqldPid);

        LeaseWatch lease = new LeaseWatch(l, m);
        IsolationSampler sampler = new IsolationSampler(l, m, p, mysqldPid);
        AckedWriter writer = new AckedWriter(l, m, table, 1000);
        boolean ok = false;
        try {
            Thread.sleep(500); // a few acknowledged writes and a settled lease before the fault
            List<String> others = SandboxLayout.NODES.stream().map(SandboxLayout.Node::address)
                    .filter(a -> !a.equals(SandboxLayout.node(m).address())).toList();
            NetnsIsolation.isolate(runner, netns, SandboxLayout.node(m).address(), others);
            long isolated = System.nanoTime();
            sampler.mark(isolated);
            OUT.printf("isolated %s from %s with nftables (table inet %s)%n", m, others, NetnsIsolation.TABLE);
            EmulatedPair pair = EmulatedPair.open(l.emuDir(), SandboxLayout.RESOURCE,
                    SandboxLayout.dataNodes().stream().map(SandboxLayout.Node::name).toList(), Sandbox.KERNEL);
            if (cutLink) {
                CommandResult r = pair.emu("cut-link", SandboxLayout.RESOURCE);
                fact("linkCutMs", (System.nanoTime() - isolated) / 1_000_000);
                if (!r.ok()) throw new IOException("drbdemu cut-link failed: " + r.summary());
            }

            long deadline = System.nanoTime() + FAILOVER_TIMEOUT.toNanos();
            while (!sampler.peerProbeOpened() && System.nanoTime() < deadline) Thread.sleep(20);
            Thread.sleep(300); // let the sampler see the new master settle
            long leaseEnd = lease.stopAndLastLeaseUntil();
            if (leaseEnd > 0) fact("masterLeaseEndMs", (leaseEnd - isolated) / 1_000_000);
            if (!sampler.peerProbeOpened()) {
                OUT.println(p + "'s probe never opened; status:\n" + sb.status());
                return false;
            }
            writer.close();
            List<Integer> acked = writer.acked();
            fact("ackedWrites", acked.size());
            OUT.println("writer errors (never acknowledged): " + writer.errors());

            Set<Integer> onPeer = new TreeSet<>();
            try (Connection c = connect(l, p); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT id FROM " + table)) {
                    while (rs.next()) onPeer.add(rs.getInt(1));
                }
                fact("rowOnNewMaster", onPeer.contains(1));
                List<Integer> lost = acked.stream().filter(id -> !onPeer.contains(id)).toList();
                fact("lostAckedWrites", lost.isEmpty() ? "none" : lost.toString());
                fact("newWriteCommitted", st.executeUpdate("INSERT INTO " + table + " VALUES (2, 'on the new master')") == 1);
            }

            NetnsIsolation.heal(runner, netns);
            if (cutLink) {
                CommandResult r = pair.emu("restore-link", SandboxLayout.RESOURCE);
                if (!r.ok()) throw new IOException("drbdemu restore-link failed: " + r.summary());
            }
            long healed = System.nanoTime();
            OUT.println("healed: nft table removed" + (cutLink ? ", replication link restored" : ""));
            String rejoin = awaitRejoin(l, m, p, REJOIN_TIMEOUT);
            fact("rejoined", rejoin.isEmpty());
            if (!rejoin.isEmpty()) OUT.println("not rejoined: " + rejoin + "\n" + sb.status());
            else fact("rejoinedMs", (System.nanoTime() - healed) / 1_000_000);
            try (Connection c = connect(l, p); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
                rs.next();
                fact("rowsOnMasterAfterHeal", rs.getInt(1));
                fact("rowsExpected", onPeer.size() + 1);
            }
            Thread.sleep(200);
            IsolationSampler.Sample last = sampler.last();
            fact("finalMasterProbe", last.masterProbe());
            fact("finalPeerProbe", last.peerProbe());
            ok = true;
        } finally {
            writer.close();
            sampler.close();
            lease.stopAndLastLeaseUntil();
            // first events measured over the whole run: the old master may finish stepping down after the failover
            sampler.facts().forEach(f -> OUT.println("FACT " + f));
            OUT.println("timeline (changes only, from the sampler):");
            sampler.changes().forEach(s -> OUT.println("  " + s));
            fact("bothOpenEver", sampler.bothOpen().isEmpty() ? "never" : sampler.bothOpen().toString());
            fact("samplesTotal", sampler.samples());
            printLog(l, m);
            printLog(l, p);
        }
        return ok;
    }

    /** Empty when M is a follower of P, DRBD connected with both disks UpToDate and no resync running. */
    private static String awaitRejoin(SandboxLayout l, String m, String p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String why = "";
        while (System.nanoTime() < deadline) {
            why = rejoinGap(l, m, p);
            if (why.isEmpty()) return "";
            Thread.sleep(100);
        }
        return why;
    }

    private static String rejoinGap(SandboxLayout l, String m, String p) {
        JsonNode s = Sandbox.agentStatus(l, m);
        if (s == null) return m + "'s agent does not answer";
        if (!s.path("role").asText().equals("follower") || !p.equals(s.path("leader").asText()))
            return m + " is " + s.path("role").asText() + " with leader " + s.path("leader").asText();
        JsonNode emu;
        try {
            emu = JSON.readTree(Files.readString(l.emuDir().resolve("state").resolve(SandboxLayout.RESOURCE).resolve("state.json")));
        } catch (IOException e) {
            return "emulator state unreadable: " + e.getMessage();
        }
        JsonNode nm = emu.path("nodes").path(m), np = emu.path("nodes").path(p);
        if (!emu.path("connected").asBoolean()) return "DRBD not connected";
        if (!emu.path("syncSource").asText("").isEmpty()) return "DRBD resync running";
        if (!nm.path("disk").asText().equals("UpToDate") || !np.path("disk").asText().equals("UpToDate"))
            return "DRBD disks " + nm.path("disk").asText() + "/" + np.path("disk").asText();
        if (!nm.path("role").asText().equals("Secondary") || !np.path("role").asText().equals("Primary"))
            return "DRBD roles " + m + "=" + nm.path("role").asText() + " " + p + "=" + np.path("role").asText();
        return "";
    }

    /** The node's whole agent log, runs of identical lines collapsed (a partition repeats send errors). */
    private static void printLog(SandboxLayout l, String node) {
        try {
            List<String> lines = Files.readAllLines(l.agentLog(node));
            OUT.println("---- " + node + ".log ----");
            String prev = null;
            int repeats = 0;
            for (String line : lines) {
                if (line.equals(prev)) {
                    repeats++;
                    continue;
                }
                if (repeats > 0) OUT.println("  (the line above " + repeats + " more times)");
                OUT.println("  " + line);
                prev = line;
                repeats = 0;
            }
            if (repeats > 0) OUT.println("  (the line above " + repeats + " more times)");
        } catch (IOException e) {
            OUT.println("cannot read " + node + "'s log: " + e.getMessage());
        }
    }

    static Connection connect(SandboxLayout l, String node) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + SandboxLayout.node(node).address() + ":" + l.sqlPort()
                + "/?connectTimeout=2000&socketTimeout=30000", Sandbox.SQL_USER, "");
    }

    /**
     * Polls the master's status every 20 ms until the fault, remembering when its lease (as the agent itself
     * counts it, on the shared monotonic clock) was last due to end: the deadline by which the master must
     * have stopped serving.
     */
    static final class LeaseWatch {
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long leaseUntil;

        LeaseWatch(SandboxLayout l, String node) {
            thread = new Thread(() -> {
                while (running) {
                    JsonNode s = Sandbox.agentStatus(l, node);
                    if (s != null && s.path("leaseValid").asBoolean()) leaseUntil = s.path("leaseUntilNanos").asLong();
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "lease-watch");
            thread.setDaemon(true);
            thread.start();
        }

        long stopAndLastLeaseUntil() throws InterruptedException {
            running = false;
            thread.join(2000);
            return leaseUntil;
        }
    }
}
