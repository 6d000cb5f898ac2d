package io.hadb.testbed.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.testbed.drbd.EmulatedPair;
import io.hadb.testbed.resources.EmulatedDbNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * `testbed/bin/bench-resources [--trials N] [--json FILE] [--verbose]`: times a driver-only
 * switchover of a real mariadbd on ext4 over two emulated DRBD nodes, N times, alternating
 * direction (node1 → node2, then back). Each trial: mysqld stopped → unmounted → Secondary on the
 * old node; Primary → mounted → mysqld healthy and one row committed on the new one. Prints each
 * step and the total as min / median / p95 / max in ms, and writes them as JSON.
 */
public final class ResourcesBench {
    static final List<String> STEPS = List.of("mysqld_stop", "umount", "demote", "promote", "mount", "mysqld_start");
    private static final Duration WAIT = Duration.ofSeconds(60);

    private ResourcesBench() {
    }

    public static void main(String[] args) throws Exception {
        int trials = 10;
        Path json = null;
        boolean verbose = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--trials" -> trials = Integer.parseInt(value(args, ++i, "--trials"));
                case "--json" -> json = Path.of(value(args, ++i, "--json"));
                case "--verbose" -> verbose = true;
                case "resources" -> { } // the dispatcher's sub-command name, when called as `bench resources`
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (trials < 1) usage("--trials must be at least 1");
        if (!verbose) Logger.getLogger("").setLevel(Level.WARNING);
        Map<String, List<Double>> samples = run(trials);
        String table = table(samples, trials);
        System.out.print(table);
        if (json != null) {
            Files.writeString(json, json(samples, trials));
            System.out.println("JSON written to " + json);
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) usage(flag + " needs a value");
        return args[i];
    }

    private static void usage(String why) {
        System.err.println("bench-resources: " + why + "\nusage: testbed/bin/bench-resources [--trials N] [--json FILE] [--verbose]");
        System.exit(2);
    }

    /** step name (and "switchover") → one duration in ms per trial. */
    static Map<String, List<Double>> run(int trials) throws Exception {
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        for (String s : STEPS) samples.put(s, new ArrayList<>());
        samples.put("switchover", new ArrayList<>());
        Path work = Files.createTempDirectory("hadb-bench-resources");
        EmulatedPair pair = EmulatedPair.create(work.resolve("emu"), "r0", List.of("node1", "node2"), "8.4", 128)
                .withEnv("HADB_EMU_SYNC_MS", "200");
        List<Integer> ports = new ArrayList<>();
        ports.add(EmulatedDbNode.freePort(33071, 33079, ports));
        ports.add(EmulatedDbNode.freePort(33071, 33079, ports));
        EmulatedDbNode[] nodes = {EmulatedDbNode.create(pair, "node1", work, ports.get(0)),
                EmulatedDbNode.create(pair, "node2", work, ports.get(1))};
        try {
            setUp(nodes[0], nodes[1]);
            for (int t = 0; t < trials; t++) {
                EmulatedDbNode from = nodes[t % 2];
                EmulatedDbNode to = nodes[(t + 1) % 2];
                // the new Primary must see an UpToDate peer first, else promotion would be refused
                to.await("peer UpToDate before trial " + (t + 1), DrbdResourceState::healthyPair, WAIT);
                Map<String, Double> step = switchover(from, to, t + 1);
                double total = 0;
                for (String s : STEPS) {
                    samples.get(s).add(step.get(s));
                    total += step.get(s);
                }
                samples.get("switchover").add(total);
                System.err.printf("trial %d %s -> %s: %.0f ms%n", t + 1, from.name(), to.name(), total);
            }
        } finally {
            for (EmulatedDbNode n : nodes) n.cleanup();
            pair.close();
            deleteTree(work);
        }
        return samples;
    }

    private static void setUp(EmulatedDbNode n1, EmulatedDbNode n2) throws Exception {
        n1.drbd().up();
        n2.drbd().up();
        n1.drbd().primaryForce();
        n2.await("initial sync", DrbdResourceState::healthyPair, WAIT);
        CommandResult mkfs = new CommandRunner().run(Duration.ofSeconds(60), List.of("mkfs.ext4", "-q", "-F", n1.device().toString()));
        if (!mkfs.ok()) throw new IOException("mkfs.ext4 failed: " + mkfs.summary());
        n1.mount();
        n1.initializeDatadir();
        n1.mysql().start();
        try (Connection c = n1.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE bench");
            st.execute("CREATE TABLE bench.switchover (trial INT PRIMARY KEY, node VARCHAR(16) NOT NULL, at DATETIME(6) NOT NULL)");
        }
    }

    /** One switchover, every step through the agent's drivers; step → ms. */
    private static Map<String, Double> switchover(EmulatedDbNode from, EmulatedDbNode to, int trial) throws Exception {
        Map<String, Double> ms = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        from.mysql().stop();
        long t1 = System.nanoTime();
        from.unmount();
        long t2 = System.nanoTime();
        from.drbd().secondary();
        long t3 = System.nanoTime();
        to.drbd().primary();
        long t4 = System.nanoTime();
        to.mount();
        long t5 = System.nanoTime();
        if (!to.mysql().start().healthy()) throw new IOException(to.name() + ": mysqld not healthy after start");
        try (Connection c = to.connect(); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO bench.switchover VALUES (" + trial + ", '" + to.name() + "', NOW(6))");
        }
        long t6 = System.nanoTime();
        ms.put("mysqld_stop", millis(t0, t1));
        ms.put("umount", millis(t1, t2));
        ms.put("demote", millis(t2, t3));
        ms.put("promote", millis(t3, t4));
        ms.put("mount", millis(t4, t5));
        ms.put("mysqld_start", millis(t5, t6));
        return ms;
    }

    private static double millis(long from, long to) {
        return (to - from) / 1e6;
    }

    /** min, median, p95 (nearest rank), max of the samples. */
    static double[] summary(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(Comparator.naturalOrder());
        int n = v.size();
        double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
        int rank = (int) Math.ceil(0.95 * n);
        return new double[] {v.get(0), median, v.get(Math.max(rank, 1) - 1), v.get(n - 1)};
    }

    static String table(Map<String, List<Double>> samples, int trials) {
        StringBuilder b = new StringBuilder(String.format("resources switchover, %d trials (ms)%n", trials));
        b.append(String.format("%-14s %9s %9s %9s %9s%n", "step", "min", "median", "p95", "max"));
        for (Map.Entry<String, List<Double>> e : samples.entrySet()) {
            double[] s = summary(e.getValue());
            b.append(String.format("%-14s %9.1f %9.1f %9.1f %9.1f%n", e.getKey(), s[0], s[1], s[2], s[3]));
        }
        return b.toString();
    }

    static String json(Map<String, List<Double>> samples, int trials) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("bench", "resources");
        root.put("trials", trials);
        ObjectNode steps = root.putObject("step_ms");
        for (String s : STEPS) put(steps.putObject(s), samples.get(s));
        put(root.putObject("switchover_ms"), samples.get("switchover"));
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static void put(ObjectNode node, List<Double> values) {
        double[] s = summary(values);
        node.put("min", round(s[0]));
        node.put("median", round(s[1]));
        node.put("p95", round(s[2]));
        node.put("max", round(s[3]));
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}
