package io.hadb.testbed.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hadb.testbed.agents.Launchers;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToLongFunction;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench drills}: every fault, N trials each, under each balancer setting (probe interval and threshold),
 * on a net-mode sandbox brought up for each setting and taken down after it. Reports per setting and fault the
 * client-visible write downtime (min, median, p95, max), the breakdown's medians, and the sums of what must be
 * zero: lost acknowledged writes, rows twice, acknowledgements by a non-master, double-healthy samples.
 */
@Command(name = "drills", mixinStandardHelpOptions = true, description = "Every fault × N trials at each balancer"
        + " setting, through the Azure-rules balancer (as root; about an hour with the defaults).")
public final class DrillsBench implements Callable<Integer> {
    /** The stack we replace, measured on these machines behind a balancer with the same rules (DESIGN.md). */
    static final long REPLACED_CRASH_MS = 13_100, REPLACED_STANDBY_MS = 7_900;

    @Option(names = "--json", paramLabel = "FILE", required = true, description = "write the report as JSON")
    Path json;
    @Option(names = "--trials", defaultValue = "5", description = "trials per fault and setting (default ${DEFAULT-VALUE})")
    int trials;
    @Option(names = "--faults", split = ",", paramLabel = "KIND", description = "the faults (default: all)")
    List<String> faults;
    @Option(names = "--settings", split = ",", paramLabel = "INTERVAL:THRESHOLD", defaultValue = "5:1,5:2,1:1",
            description = "balancer settings, probe interval in s and threshold (default ${DEFAULT-VALUE})")
    List<String> settings;
    @Option(names = "--client", paramLabel = "MODE", defaultValue = "fixed", description = "fixed (1 s connect timeout,"
            + " immediate retry) or kernel (the kernel's default SYN retries)")
    String client;
    @Option(names = "--dir", description = "the sandbox's state directory (default: a new temporary one)")
    Path dir;
    @Option(names = "--verbose", description = "show the sandbox's and the drill's own output")
    boolean verbose;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        List<FaultKind> kinds;
        List<NetMode> nets = new ArrayList<>();
        ClientMode mode;
        try {
            if (trials < 1 || trials > 100) throw new IllegalArgumentException("--trials " + trials + " is not in 1..100");
            kinds = faults == null ? Arrays.asList(FaultKind.values()) : faults.stream().map(FaultKind::parse).toList();
            for (String s : settings) {
                String[] f = s.split(":");
                if (f.length != 2) throw new IllegalArgumentException("--settings " + s + ": expected INTERVAL:THRESHOLD, e.g. 5:1");
                nets.add(new NetMode(Integer.parseInt(f[0].strip()), Integer.parseInt(f[1].strip())));
            }
            mode = ClientMode.parse(client);
        } catch (IllegalArgumentException e) {
            System.err.println("bench drills: " + e.getMessage());
            return 2;
        }
        Logger.getLogger("").setLevel(Level.WARNING);
        String env = System.getenv("HADB_ROOT");
        Path root = env != null && !env.isBlank() ? Path.of(env).toAbsolutePath() : SandboxMain.root();
        Path parent = dir != null ? null : Files.createTempDirectory("hadb-bench-drills-");
        Path d = dir != null ? dir.toAbsolutePath() : parent.resolve("s");
        PrintStream quiet = verbose ? System.out : new PrintStream(PrintStream.nullOutputStream());
        Thread cleanup = new Thread(() -> Sandbox.down(d, quiet), "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        ObjectNode report = JsonNodeFactory.instance.objectNode();
        report.put("client", mode.what());
        report.put("trials_per_fault", trials);
        ObjectNode replaced = report.putObject("stack_we_replace_ms");
        replaced.put("crash", REPLACED_CRASH_MS);
        replaced.put("standby", REPLACED_STANDBY_MS);
        ArrayNode runs = report.putArray("settings");
        StringBuilder table = new StringBuilder();
        boolean allPassed = true;
        long started = System.nanoTime();
        try {
            for (NetMode net : nets) {
                List<FaultKind> plan = new ArrayList<>();
                for (FaultKind k : kinds) plan.addAll(Collections.nCopies(trials, k));
                System.out.printf(Locale.ROOT, "bench drills: probe every %d s, threshold %d, %d trials, client: %s%n",
                        net.probeInterval(), net.threshold(), plan.size(), mode.what());
                if (Files.exists(d) && !Sandbox.down(d, quiet))
                    throw new IllegalStateException("sandbox down left something behind in " + d);
                SandboxLayout l = new SandboxLayout(d, root, 3306, 6001, 6002, 5405, true, net);
                Sandbox sb = new Sandbox(l, Launchers.script(root), quiet);
                List<DrillTrial> results;
                Drill.ReplicaCheck replica;
                try {
                    if (sb.up(Duration.ofSeconds(120)).master().isEmpty())
                        throw new IllegalStateException("no master came up:\n" + sb.status());
                    Drill drill = new Drill(sb, new LinePrinter(System.out, quiet), mode);
                    results = drill.run(plan);
                    replica = drill.replicaCheck();
                } finally {
                    Sandbox.down(d, quiet);
                }
                ObjectNode run = runs.addObject();
                run.put("probe_interval_s", net.probeInterval());
                run.put("threshold", net.threshold());
                ObjectNode perFault = run.putObject("faults");
                Map<FaultKind, List<DrillTrial>> byKind = new LinkedHashMap<>();
                for (DrillTrial t : results) byKind.computeIfAbsent(t.fault(), k -> new ArrayList<>()).add(t);
                table.append(String.format(Locale.ROOT, "%nprobe every %d s, threshold %d (client: %s)%n", net.probeInterval(),
                        net.threshold(), mode.what())).append(header());
                for (Map.Entry<FaultKind, List<DrillTrial>> e : byKind.entrySet()) {
                    FaultSummary s = FaultSummary.of(e.getValue());
                    perFault.set(e.getKey().cliName(), s.json());
                    table.append(s.row(e.getKey()));
                    allPassed &= s.passed == s.trials;
                }
                run.set("replica_check", replica.json());
                table.append(replica.line()).append('\n');
                allPassed &= replica.passed();
                ArrayNode all = run.putArray("trials");
                results.forEach(t -> all.add(t.json()));
                Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
            }
        } finally {
            Sandbox.down(d, quiet);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // shutting down
            }
            if (parent != null) Files.deleteIfExists(parent);
        }
        report.put("minutes", Math.round((System.nanoTime() - started) / 6e9) / 10.0);
        Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
        System.out.print(table);
        System.out.printf(Locale.ROOT, "%nthe stack we replace, same balancer rules and client: %.1f s for a crash, %.1f s for a"
                + " standby%nJSON: %s%n", REPLACED_CRASH_MS / 1000.0, REPLACED_STANDBY_MS / 1000.0, json);
        return allPassed ? 0 : 1;
    }

    private static String header() {
        return String.format(Locale.ROOT, "%-16s %6s %27s %37s %6s %5s %6s %7s%n", "fault", "ok", "downtime s min/med/p95/max",
                "median s: old-down lb-down new-up lb-up ack", "lost", "dup", "!mstr", "double");
    }

    /** One fault's trials under one setting, summed up. */
    record FaultSummary(int trials, int passed, List<Long> downtimes, Map<String, Long> breakdownMedians, long lost,
                        long duplicates, long nonMaster, long doubles, long operatorSteps) {
        static FaultSummary of(List<DrillTrial> ts) {
            List<Long> down = ts.stream().map(DrillTrial::downtimeMs).filter(x -> x >= 0).sorted().toList();
            Map<String, Long> b = new LinkedHashMap<>();
            b.put("old_master_probe_down", median(ts, DrillTrial::oldDownMs));
            b.put("old_master_marked_down", median(ts, DrillTrial::markedDownMs));
            b.put("new_master_probe_healthy", median(ts, DrillTrial::newUpMs));
            b.put("new_master_marked_up", median(ts, DrillTrial::markedUpMs));
            b.put("first_acked_commit", median(ts, DrillTrial::firstAckMs));
            return new FaultSummary(ts.size(), (int) ts.stream().filter(DrillTrial::passed).count(), down, b,
                    sum(ts, DrillTrial::lostAcked), sum(ts, DrillTrial::duplicates), sum(ts, DrillTrial::nonMasterAcks),
                    sum(ts, DrillTrial::doubleHealthy), ts.stream().mapToLong(t -> t.operatorSteps().size()).sum());
        }

        /** The median of the values that happened (-1 when none did), nearest rank. */
        static long median(List<DrillTrial> ts, ToLongFunction<DrillTrial> f) {
            List<Long> v = ts.stream().mapToLong(f).filter(x -> x >= 0).sorted().boxed().toList();
            return v.isEmpty() ? -1 : rank(v, 0.5);
        }

        /** A sum where an unknown (-1, a trial that did not complete) makes the total unknown too. */
        static long sum(List<DrillTrial> ts, ToLongFunction<DrillTrial> f) {
            long s = 0;
            for (DrillTrial t : ts) {
                long x = f.applyAsLong(t);
                if (x < 0) return -1;
                s += x;
            }
            return s;
        }

        static long rank(List<Long> sorted, double p) {
            int i = (int) Math.ceil(p * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        }

        ObjectNode json() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("trials", trials);
            o.put("passed", passed);
            ObjectNode d = o.putObject("downtime_ms");
            if (downtimes.isEmpty()) {
                d.putNull("min");
                d.putNull("median");
                d.putNull("p95");
                d.putNull("max");
            } else {
                d.put("min", downtimes.get(0));
                d.put("median", rank(downtimes, 0.5));
                d.put("p95", rank(downtimes, 0.95));
                d.put("max", downtimes.get(downtimes.size() - 1));
            }
            ObjectNode b = o.putObject("breakdown_median_ms");
            breakdownMedians.forEach(b::put);
            o.put("lost_acked_writes", lost);
            o.put("duplicate_rows", duplicates);
            o.put("acked_by_non_master", nonMaster);
            o.put("double_healthy_samples", doubles);
            o.put("operator_steps", operatorSteps);
            return o;
        }

        String row(FaultKind k) {
            String d = downtimes.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f/%.1f/%.1f/%.1f", downtimes.get(0) / 1e3,
                    rank(downtimes, 0.5) / 1e3, rank(downtimes, 0.95) / 1e3, downtimes.get(downtimes.size() - 1) / 1e3);
            StringBuilder b = new StringBuilder();
            for (long v : breakdownMedians.values()) b.append(String.format(Locale.ROOT, " %6s", v < 0 ? "-" : String.format(Locale.ROOT, "%.1f", v / 1e3)));
            return String.format(Locale.ROOT, "%-16s %6s %27s %37s %6s %5s %6s %7s%n", k.cliName(), passed + "/" + trials, d,
                    b.toString().strip(), n(lost), n(duplicates), n(nonMaster), n(doubles));
        }

        private static String n(long x) {
            return x < 0 ? "?" : Long.toString(x);
        }
    }

    /** Shows the drill's per-trial lines (and its replica check) even when the rest of its output is quiet. */
    private static final class LinePrinter extends PrintStream {
        private final PrintStream lines;

        LinePrinter(PrintStream lines, PrintStream rest) {
            super(rest, true);
            this.lines = lines;
        }

        @Override
        public void println(String x) {
            if (x != null && (x.startsWith("trial ") || x.startsWith("replica check"))) lines.println(x);
            else super.println(x);
        }
    }
}
