package io.hadb.testbed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hadb.agent.control.ControlClient;
import io.hadb.testbed.agents.Launchers;
import io.hadb.testbed.sandbox.Sandbox;
import io.hadb.testbed.sandbox.SandboxLayout;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench failover}: the sandbox (real agents, emulated DRBD, real mariadbd) at default settings. Crashes
 * of the master, planned switchovers and cold starts, each timed from the fault or command to the new
 * master's TCP probe accepting a connection and to its first committed write, with the longest stretch in
 * which no probe was open; then the idle agents' CPU and resident memory.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
        description = "Crash, switchover and cold-start times on the sandbox, and idle agents' CPU and memory (as root).")
final class FailoverBench implements Callable<Integer> {
    @Option(names = "--json", description = "write the results as JSON to this file")
    Path json;

    @Option(names = "--crashes", defaultValue = "10", description = "crashes of the master (default ${DEFAULT-VALUE})")
    int crashes;

    @Option(names = "--switchovers", defaultValue = "10", description = "planned switchovers (default ${DEFAULT-VALUE})")
    int switchovers;

    @Option(names = "--cold-starts", defaultValue = "3", description = "cold starts (default ${DEFAULT-VALUE})")
    int coldStarts;

    @Option(names = "--idle-seconds", defaultValue = "30", description = "idle measurement (default ${DEFAULT-VALUE})")
    int idleSeconds;

    @Option(names = "--warmup-seconds", defaultValue = "60",
            description = "wait before the idle measurement, so the JIT's first-minute compiling is not counted as idle (default ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--base-port", defaultValue = "13306",
            description = "SQL port; TCP probe, HTTP probe and cluster UDP use the next three (default ${DEFAULT-VALUE})")
    int basePort;

    @Option(names = "--root", description = "repository root (default: from $HADB_ROOT or the working directory)")
    Path root;

    @Option(names = "--verbose", description = "show the sandbox's own output")
    boolean verbose;

    private static final long PROBE_PERIOD_MS = 10;
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private SandboxLayout layout;
    private long bothOpenSamples;

    /** One timed fault: ms from the fault to the new probe open and to the first commit, and the longest gap. */
    record Trial(String from, String to, double probeMs, double writeMs, double gapMs) {
    }

    @Override
    public Integer call() throws Exception {
        Logger.getLogger("").setLevel(Level.WARNING);
        Path repo = root != null ? root : Path.of(System.getenv().getOrDefault("HADB_ROOT", ".")).toAbsolutePath();
        Path parent = Files.createTempDirectory("hadb-bench-failover-");
        Path dir = parent.resolve("s");
        layout = new SandboxLayout(dir, repo, basePort, basePort + 1, basePort + 2, basePort + 3, true);
        PrintStream quiet = verbose ? System.err : new PrintStream(PrintStream.nullOutputStream());
        List<String> agent = Launchers.script(repo);
        List<Trial> crashTrials = new ArrayList<>(), switchTrials = new ArrayList<>();
        List<Double> cold = new ArrayList<>();
        Map<String, double[]> idle = new LinkedHashMap<>();
        Thread cleanup = new Thread(() -> Sandbox.down(dir, quiet), "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            for (int i = 1; i <= coldStarts; i++) {
                if (i > 1 && !Sandbox.down(dir, quiet)) throw new IllegalStateException("sandbox down left something behind");
                Sandbox sb = new Sandbox(layout, agent, quiet);
                Sandbox.UpResult up = sb.up(SETTLE_TIMEOUT);
                String master = up.master().orElseThrow(() -> new IllegalStateException("no master's probe opened:\n" + sb.status()));
                double ms = up.agentsToMaster().toNanos() / 1e6;
                cold.add(ms);
                log("cold start %d: %s's probe open %.0f ms after the agents started (data prepared in %.1f s)", i, master, ms,
                        up.prepare().toMillis() / 1000.0);
                if (i > 1) continue;
                settle(master, peer(master));
                createTable(master);
                idle = idle();
                for (int t = 1; t <= crashes; t++) {
                    String m = currentMaster(), p = peer(m);
                    Trial r = measure(m, p, () -> sb.crash(m));
                    crashTrials.add(r);
                    log("crash %2d: %s crashed; %s probe open %.0f ms, first write %.0f ms", t, m, p, r.probeMs(), r.writeMs());
                    restart(sb, m);
                    settle(p, m);
                    // let the restarted node's start-up vote wait run out, as in a cluster that has been up a while
                    Thread.sleep(1_500);
                }
                for (int t = 1; t <= switchovers; t++) {
                    String m = currentMaster(), p = peer(m);
                    Trial r = measure(m, p, () -> switchover(m, p));
                    switchTrials.add(r);
                    log("switchover %2d: %s -> %s; probe open %.0f ms, first write %.0f ms, no probe open for %.0f ms",
                            t, m, p, r.probeMs(), r.writeMs(), r.gapMs());
                    settle(p, m);
                }
            }
        } finally {
            Sandbox.down(dir, quiet);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // shutting down
            }
            Files.deleteIfExists(parent);
        }
        ObjectNode out = report(crashTrials, switchTrials, cold, idle);
        if (json != null) {
            Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
            System.out.println("wrote " + json);
        }
        return bothOpenSamples == 0 ? 0 : 1;
    }

    /**
     * Sandbox.start, retried: right after a crash the emulator may still find the crashed node's loop device
     * held open (its mount not yet gone), and refuses `drbdadm up` until it is released.
     */
    private void restart(Sandbox sb, String node) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                sb.start(node);
                return;
            } catch (Sandbox.SandboxException e) {
                if (attempt >= 20) throw e;
                boolean mounted = Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + layout.mountpoint(node) + " ");
                log("start %s failed (attempt %d; its mount %s): %s", node, attempt, mounted ? "still there" : "gone",
                        e.getMessage());
                if (mounted) new io.hadb.agent.exec.CommandRunner().run(Duration.ofSeconds(10),
                        List.of("umount", layout.mountpoint(node).toString()));
                Thread.sleep(500);
            }
        }
    }

    interface Fault {
        void run() throws Exception;
    }

    /**
     * Samples both probes and starts a writer on the new master's SQL address, then the fault; returns once
     * the new probe opened and a write committed there.
     */
    private Trial measure(String from, String to, Fault fault) throws Exception {
        int toIndex = index(to);
        SandboxLayout.Node toNode = SandboxLayout.node(to);
        try (ProbeTimeline tl = new ProbeTimeline(probeAddresses(), PROBE_PERIOD_MS)) {
            Thread.sleep(100); // a few samples of the state before
            long t0 = System.nanoTime();
            Writer w = new Writer(toNode, from + "->" + to);
            fault.run();
            long deadline = t0 + FAILOVER_TIMEOUT.toNanos();
            OptionalLong open;
            while ((open = tl.firstOpen(toIndex, t0)).isEmpty() || w.committedAt == 0) {
                if (System.nanoTime() > deadline) {
                    w.stop();
                    throw new IllegalStateException(from + " -> " + to + ": no new probe or write within "
                            + FAILOVER_TIMEOUT.toSeconds() + " s (probe " + open + ", write " + (w.committedAt != 0) + ")");
                }
                Thread.sleep(10);
            }
            w.stop();
            tl.close();
            List<ProbeTimeline.Sample> s = tl.samples();
            long both = ProbeTimeline.bothOpen(s);
            if (both > 0) log("WARNING: both probes open in %d samples around %s -> %s", both, from, to);
            bothOpenSamples += both;
            long gap = ProbeTimeline.longestGap(s, t0, open.getAsLong());
            return new Trial(from, to, (open.getAsLong() - t0) / 1e6, (w.committedAt - t0) / 1e6, gap / 1e6);
        }
    }

    /** Keeps trying one INSERT on a node's SQL address, short connect timeout, until it commits. */
    private final class Writer {
        private final Thread thread;
        private volatile boolean running = true;
        volatile long committedAt;

        Writer(SandboxLayout.Node node, String note) {
            String url = "jdbc:mariadb://" + node.address() + ":" + layout.sqlPort()
                    + "/?connectTimeout=250&socketTimeout=10000";
            thread = new Thread(() -> {
                while (running) {
                    try (Connection c = DriverManager.getConnection(url, "hadb", ""); Statement st = c.createStatement()) {
                        st.executeUpdate("INSERT INTO bench.t (note) VALUES ('" + note + "')"); // autocommit
                        committedAt = System.nanoTime();
                        return;
                    } catch (SQLException e) {
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    }
                }
            }, "bench-writer");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(15_000);
        }
    }

    /** What {@code agentctl -c NODE.toml switchover TO} sends, over the master's control socket. */
    private void switchover(String master, String to) throws IOException {
        try (ControlClient c = new ControlClient(layout.controlSocket(master))) {
            JsonNode a = JSON.readTree(c.ask("switchover " + to, Duration.ofSeconds(120)));
            if (!a.path("accepted").asBoolean()) throw new IllegalStateException("switchover refused: " + a);
        }
    }

    /**
     * Until the master serves (probe healthy, no copy marked Outdated) and the other node is its follower,
     * DRBD Secondary, connected and UpToDate on both sides.
     */
    private void settle(String master, String follower) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        String why = "";
        while (System.nanoTime() < deadline) {
            JsonNode m = status(master), f = status(follower);
            why = settledProblem(master, m, f);
            if (why.isEmpty()) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException("cluster did not settle with " + master + " as master within "
                + SETTLE_TIMEOUT.toSeconds() + " s: " + why);
    }

    /** Empty when settled, else what is missing. */
    static String settledProblem(String master, JsonNode m, JsonNode f) {
        if (m == null || f == null) return "an agent does not answer";
        if (!m.path("role").asText().equals("master") || !m.path("serving").asBoolean()) return master + " does not serve";
        if (!m.path("resources").path("probe").asText().equals("healthy")) return master + "'s probe is not healthy";
        if (m.path("record").path("outdated").size() > 0) return "record marks " + m.path("record").path("outdated");
        if (!f.path("role").asText().equals("follower") || !master.equals(f.path("leader").asText(null)))
            return f.path("node").asText() + " is not " + master + "'s follower";
        String d = f.path("resources").path("drbd").asText("");
        if (!d.contains("Secondary/Primary UpToDate/UpToDate Connected")) return "follower's DRBD: " + d;
        return "";
    }

    private JsonNode status(String node) {
        try (ControlClient c = new ControlClient(layout.controlSocket(node))) {
            JsonNode j = JSON.readTree(c.ask("status", Duration.ofSeconds(5)));
            return j.has("error") ? null : j;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String currentMaster() {
        for (SandboxLayout.Node n : SandboxLayout.dataNodes())
            if (Sandbox.probeOpen(n, layout.probeTcpPort(), 200)) return n.name();
        throw new IllegalStateException("no probe open");
    }

    private static String peer(String node) {
        return SandboxLayout.dataNodes().stream().map(SandboxLayout.Node::name).filter(n -> !n.equals(node))
                .findFirst().orElseThrow();
    }

    private static int index(String node) {
        return SandboxLayout.dataNodes().stream().map(SandboxLayout.Node::name).toList().indexOf(node);
    }

    private List<InetSocketAddress> probeAddresses() {
        return SandboxLayout.dataNodes().stream().map(n -> new InetSocketAddress(n.address(), layout.probeTcpPort())).toList();
    }

    private void createTable(String master) throws SQLException {
        String url = "jdbc:mariadb://" + SandboxLayout.node(master).address() + ":" + layout.sqlPort() + "/?connectTimeout=2000";
        try (Connection c = DriverManager.getConnection(url, "hadb", ""); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS bench");
            st.execute("CREATE TABLE IF NOT EXISTS bench.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40) NOT NULL,"
                    + " at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))");
        }
    }

    /** Each agent's CPU % of one core and VmRSS in MB over idleSeconds, after 10 s of quiet. */
    private Map<String, double[]> idle() throws Exception {
        log("idle: 10 s of quiet, then %d s measured", idleSeconds);
        Thread.sleep(warmupSeconds * 1000L);
        Map<String, Long> pids = new LinkedHashMap<>();
        for (SandboxLayout.Node n : SandboxLayout.NODES) {
            JsonNode s = status(n.name());
            if (s == null || !s.has("pid")) throw new IllegalStateException(n.name() + " does not answer status");
            pids.put(n.name(), s.get("pid").asLong());
        }
        Map<String, Long> start = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        for (var e : pids.entrySet()) start.put(e.getKey(), MembershipBench.cpuTicks(e.getValue()));
        Thread.sleep(idleSeconds * 1000L);
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, double[]> r = new LinkedHashMap<>();
        for (var e : pids.entrySet()) {
            double cpu = (MembershipBench.cpuTicks(e.getValue()) - start.get(e.getKey())) / 100.0 / secs * 100; // USER_HZ 100
            r.put(e.getKey(), new double[] {cpu, MembershipBench.rssKb(e.getValue()) / 1024.0});
            log("idle %s (pid %d): %.2f %% of one core, %.1f MB resident", e.getKey(), e.getValue(), cpu,
                    r.get(e.getKey())[1]);
        }
        return r;
    }

    private ObjectNode report(List<Trial> crash, List<Trial> sw, List<Double> cold, Map<String, double[]> idle) {
        ObjectNode out = JSON.createObjectNode();
        Stats cp = Stats.of(crash.stream().map(Trial::probeMs).toList());
        Stats cw = Stats.of(crash.stream().map(Trial::writeMs).toList());
        Stats sp = Stats.of(sw.stream().map(Trial::probeMs).toList());
        Stats swr = Stats.of(sw.stream().map(Trial::writeMs).toList());
        Stats sg = Stats.of(sw.stream().map(Trial::gapMs).toList());
        Stats cs = Stats.of(cold);
        out.set("crash_probe_ms", cp.json());
        out.set("crash_write_ms", cw.json());
        out.set("switchover_probe_ms", sp.json());
        out.set("switchover_write_ms", swr.json());
        out.set("switchover_gap_ms", sg.json());
        out.set("coldstart_probe_ms", cs.json());
        ObjectNode cpu = out.putObject("idle_cpu_percent"), rss = out.putObject("idle_rss_mb");
        double maxCpu = 0, maxRss = 0;
        for (var e : idle.entrySet()) {
            cpu.put(e.getKey(), Math.round(e.getValue()[0] * 100) / 100.0);
            rss.put(e.getKey(), Stats.round(e.getValue()[1]));
            maxCpu = Math.max(maxCpu, e.getValue()[0]);
            maxRss = Math.max(maxRss, e.getValue()[1]);
        }
        cpu.put("max", Math.round(maxCpu * 100) / 100.0);
        rss.put("max", Stats.round(maxRss));
        out.put("idle_seconds", idleSeconds);
        out.put("probe_sample_ms", PROBE_PERIOD_MS);
        out.put("both_probes_open_samples", bothOpenSamples);
        ObjectNode raw = out.putObject("trials");
        var ca = raw.putArray("crash");
        // no gap for a crash: a SIGSTOPped node's kernel still completes handshakes until the SIGKILL
        for (Trial t : crash) ca.addObject().put("from", t.from()).put("to", t.to()).put("probe_ms", Stats.round(t.probeMs()))
                .put("write_ms", Stats.round(t.writeMs()));
        var sa = raw.putArray("switchover");
        for (Trial t : sw) sa.addObject().put("from", t.from()).put("to", t.to()).put("probe_ms", Stats.round(t.probeMs()))
                .put("write_ms", Stats.round(t.writeMs())).put("gap_ms", Stats.round(t.gapMs()));
        var co = raw.putArray("coldstart_probe_ms");
        cold.forEach(c -> co.add(Stats.round(c)));

        PrintStream o = System.out;
        o.println();
        o.printf("failover benchmark on the sandbox (%d crashes, %d switchovers, %d cold starts; medians, ms unless said)%n",
                crash.size(), sw.size(), cold.size());
        o.printf("%-36s %8s %8s %8s %8s   %s%n", "", "min", "median", "p95", "max", "stack we replace (median)");
        row(o, "crash -> probe healthy", cp, "11800");
        row(o, "crash -> first committed write", cw, "8000 (SQL answers)");
        row(o, "switchover -> probe healthy", sp, "9700 (standby)");
        row(o, "switchover -> first committed write", swr, "");
        row(o, "switchover: no probe open", sg, "~9500");
        row(o, "cold start -> probe healthy", cs, "30900");
        o.printf("idle agent, %% of one core (max of %s)  %.2f   stack we replace: 1.7-1.9 %%%n", idle.keySet(), maxCpu);
        o.printf("idle agent, MB resident (max of %s)  %.1f   stack we replace: 194-213 MB%n", idle.keySet(), maxRss);
        o.println("samples with both probes open: " + bothOpenSamples);
        return out;
    }

    private static void row(PrintStream o, String what, Stats s, String theirs) {
        o.printf("%-36s %8.0f %8.0f %8.0f %8.0f   %s%n", what, s.min(), s.median(), s.p95(), s.max(), theirs);
    }

    private static void log(String fmt, Object... args) {
        System.err.printf("bench failover: " + fmt + "%n", args);
    }
}
