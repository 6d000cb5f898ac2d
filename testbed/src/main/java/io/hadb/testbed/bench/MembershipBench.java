package io.hadb.testbed.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hadb.testbed.agents.AgentStatus;
import io.hadb.testbed.agents.LeaseChecker;
import io.hadb.testbed.agents.LocalCluster;
import io.hadb.testbed.agents.Launchers;
import io.hadb.testbed.agents.Sampler;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench membership}: three real agents on loopback at default settings. Kills the master (-9) again
 * and again and measures, from the kill, the first status sample in which a survivor sees it down
 * (detection) and the first in which another node serves (hand-over); then the CPU and resident memory of
 * idle agents from /proc.
 */
@Command(name = "membership", mixinStandardHelpOptions = true,
        description = "Failure detection and lease hand-over times, and an idle agent's CPU and memory.")
final class MembershipBench implements Callable<Integer> {
    @Option(names = "--json", description = "write the results as JSON to this file")
    Path json;

    @Option(names = "--trials", defaultValue = "20", description = "kills of the master (default ${DEFAULT-VALUE})")
    int trials;

    @Option(names = "--idle-seconds", defaultValue = "30", description = "idle measurement (default ${DEFAULT-VALUE})")
    int idleSeconds;

    @Option(names = "--warmup-seconds", defaultValue = "60",
            description = "wait before the idle measurement, so the JIT's first-minute compiling is not counted as idle (default ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--root", description = "repository root (default: from $HADB_ROOT or the working directory)")
    Path root;

    @Option(names = "--sample-ms", defaultValue = "5", description = "status sampling period (default ${DEFAULT-VALUE})")
    long sampleMs;

    private final Map<String, AgentStatus> latest = new ConcurrentHashMap<>();
    private volatile String victim;
    private volatile long killedAt;
    private volatile long detectedAt;
    private volatile long handedOverAt;

    private void observe(AgentStatus s) {
        latest.put(s.node(), s);
        String v = victim;
        if (v == null || s.node().equals(v) || s.monoNanos() <= killedAt) return;
        if (detectedAt == 0 && s.peersDown().contains(v)) detectedAt = s.monoNanos();
        if (handedOverAt == 0 && s.serving()) handedOverAt = s.monoNanos();
    }

    @Override
    public Integer call() throws Exception {
        Path repo = root != null ? root : Path.of(System.getenv().getOrDefault("HADB_ROOT", ".")).toAbsolutePath();
        Path dir = Files.createTempDirectory("hadb-bench-");
        LeaseChecker checker = new LeaseChecker();
        List<Double> detection = new ArrayList<>();
        List<Double> handover = new ArrayList<>();
        ObjectNode out = new ObjectMapper().createObjectNode();
        try (LocalCluster c = new LocalCluster(dir, Launchers.script(repo), null, freePorts(), "");
             Sampler sampler = new Sampler(c, sampleMs, List.of(this::observe, checker::add))) {
            c.startAll();
            awaitStable(c, null);
            System.err.printf("bench membership: cluster up; idle measurement over %d s after %d s of warm-up%n", idleSeconds, warmupSeconds);
            sampler.pause(true);
            Thread.sleep(warmupSeconds * 1000L);
            double[] idle = idle(c, out);
            sampler.pause(false);
            for (int t = 1; t <= trials; t++) {
                String master = servingNode();
                detectedAt = 0;
                handedOverAt = 0;
                killedAt = System.nanoTime();
                victim = master;
                c.kill9(master);
                long end = System.nanoTime() + 15_000_000_000L;
                while ((detectedAt == 0 || handedOverAt == 0) && System.nanoTime() < end) Thread.sleep(5);
                if (detectedAt == 0 || handedOverAt == 0) throw new IllegalStateException("trial " + t + ": no hand-over in 15 s");
                double d = (detectedAt - killedAt) / 1e6;
                double h = (handedOverAt - killedAt) / 1e6;
                detection.add(d);
                handover.add(h);
                System.err.printf("trial %2d: killed %s, detected in %.0f ms, new master serving in %.0f ms%n", t, master, d, h);
                victim = null;
                latest.remove(master);
                c.start(master);
                awaitStable(c, master);
                // let the restarted node's start-up vote wait run out, as in a cluster that has been up a while
                Thread.sleep(1_500);
            }
            List<String> violations = checker.violations();
            Stats ds = Stats.of(detection);
            Stats hs = Stats.of(handover);
            out.set("detection_ms", ds.json());
            out.set("handover_ms", hs.json());
            out.put("idle_cpu_percent", Stats.round(idle[0] * 100) / 100.0);
            out.put("idle_rss_mb", Stats.round(idle[1]));
            out.put("trials", trials);
            out.put("sample_period_ms", sampleMs);
            out.put("lease_overlaps", violations.size());
            System.out.println();
            System.out.println("membership benchmark (3 agents on loopback, default timings, " + trials + " trials)");
            System.out.printf("%-28s %8s %8s %8s %8s%n", "", "min", "median", "p95", "max");
            System.out.printf("%-28s %8.0f %8.0f %8.0f %8.0f%n", "failure detection (ms)", ds.min(), ds.median(), ds.p95(), ds.max());
            System.out.printf("%-28s %8.0f %8.0f %8.0f %8.0f%n", "lease hand-over (ms)", hs.min(), hs.median(), hs.p95(), hs.max());
            System.out.printf("idle agent: %.2f %% of one core (worst of three), %.1f MB resident (largest)%n", idle[0], idle[1]);
            System.out.println("lease overlaps seen: " + violations.size());
            if (json != null) {
                Files.writeString(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
                System.out.println("wrote " + json);
            }
            return violations.isEmpty() ? 0 : 1;
        } finally {
            deleteTree(dir);
        }
    }

    /** Worst CPU % of one core and largest RSS in MB over the three agents, measured from /proc. */
    private double[] idle(LocalCluster c, ObjectNode out) throws Exception {
        long hz = 100; // USER_HZ on Linux
        var per = out.putObject("idle_per_agent");
        Map<String, long[]> start = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        for (var m : c.members()) start.put(m.name, new long[] {cpuTicks(m.pid())});
        Thread.sleep(idleSeconds * 1000L);
        double secs = (System.nanoTime() - t0) / 1e9;
        double worst = 0;
        double rss = 0;
        for (var m : c.members()) {
            double cpu = (cpuTicks(m.pid()) - start.get(m.name)[0]) / (double) hz / secs * 100;
            double mb = rssKb(m.pid()) / 1024.0;
            var o = per.putObject(m.name);
            o.put("cpu_percent", Math.round(cpu * 100) / 100.0);
            o.put("rss_mb", Stats.round(mb));
            AgentStatus s = latest.get(m.name);
            o.put("role", s == null ? "?" : s.role());
            worst = Math.max(worst, cpu);
            rss = Math.max(rss, mb);
        }
        return new double[] {worst, rss};
    }

    static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    }

    static long rssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        return 0;
    }

    private String servingNode() {
        return latest.values().stream().filter(AgentStatus::serving).max(Comparator.comparingLong(AgentStatus::monoNanos))
                .map(AgentStatus::node).orElseThrow(() -> new IllegalStateException("no master serving"));
    }

    private void awaitStable(LocalCluster c, String rejoining) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < end) {
            boolean ok = latest.size() == 3 && latest.values().stream().allMatch(s -> s.peersUp().size() == 2 && s.leader() != null)
                    && latest.values().stream().filter(AgentStatus::serving).count() == 1;
            if (ok) return;
            Thread.sleep(10);
        }
        throw new IllegalStateException("cluster not stable within 30 s" + (rejoining == null ? "" : " after restarting " + rejoining));
    }

    static int[] freePorts() throws Exception {
        int[] p = new int[3];
        for (int i = 0; i < 3; i++) {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0." + (i + 1)), 0))) {
                p[i] = s.getLocalPort();
            }
        }
        return p;
    }

    private static void deleteTree(Path dir) {
        try (var w = Files.walk(dir)) {
            w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temp directory left behind is harmless
        }
    }
}
