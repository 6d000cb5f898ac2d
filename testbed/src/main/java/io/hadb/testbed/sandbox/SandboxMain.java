package io.hadb.testbed.sandbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code testbed/bin/sandbox up|status|crash NODE|start NODE|logs NODE|down}: a whole hadb cluster on this machine. */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = "Two data nodes and a witness as real hadb agents on 127.0.0.1-3, emulated DRBD over loop"
                + " devices with ext4, a real mariadbd per data node (as root).",
        subcommands = {SandboxMain.Up.class, SandboxMain.Status.class, SandboxMain.Crash.class, SandboxMain.Start.class,
                SandboxMain.Logs.class, SandboxMain.Down.class, SandboxMain.Fault.class, SandboxMain.Heal.class,
                SandboxMain.DrillCmd.class})
public final class SandboxMain implements Callable<Integer> {
    @Option(names = "--dir", description = "the sandbox's state directory (default: $HADB_SANDBOX_DIR, else <repo>/.sandbox)")
    Path dir;

    public static void main(String[] args) {
        Logger.getLogger("").setLevel(Level.WARNING);
        System.exit(new CommandLine(new SandboxMain()).execute(args));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 2;
    }

    static Path root() {
        String r = System.getProperty("hadb.root");
        if (r != null) return Path.of(r).toAbsolutePath();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isDirectory(p.resolve("testbed/bin")) && Files.isDirectory(p.resolve("packaging/bin"))) return p;
        throw new IllegalStateException("cannot find the repository root; set -Dhadb.root");
    }

    Path dir() {
        if (dir != null) return dir.toAbsolutePath();
        String env = System.getenv("HADB_SANDBOX_DIR");
        return env != null && !env.isBlank() ? Path.of(env).toAbsolutePath() : root().resolve(".sandbox");
    }

    Sandbox existing() throws IOException, Sandbox.SandboxException {
        SandboxLayout l = SandboxLayout.load(dir()).orElseThrow(() ->
                new Sandbox.SandboxException(1, "no sandbox in " + dir() + " (start one with `sandbox up`)"));
        return new Sandbox(l, List.of(l.root().resolve("packaging/bin/hadb-agent").toString()), System.out);
    }

    static int fail(Sandbox.SandboxException e) {
        System.err.println("sandbox: " + e.getMessage());
        return e.exitCode();
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Prepares the data, starts the three agents and"
            + " waits for a master's probe.")
    static final class Up implements Callable<Integer> {
        @ParentCommand
        SandboxMain parent;
        @Option(names = "--sql-port", defaultValue = "3306", description = "mariadbd's port on each data node's address")
        int sqlPort;
        @Option(names = "--probe-port", defaultValue = "6001", description = "TCP probe port; the HTTP probe and metrics use the next one")
        int probePort;
        @Option(names = "--udp-port", defaultValue = "5405", description = "the agents' cluster port")
        int udpPort;
        @Option(names = "--membership-only", description = "agents without resource sections (no DRBD/filesystem/mysqld/probe management)")
        boolean membershipOnly;
        @Option(names = "--timeout", defaultValue = "60", description = "seconds to wait for a master")
        int timeout;
        @Option(names = "--net", description = "each node in a network namespace of its own (10.213.1.11-13) behind the"
                + " load balancer on 10.213.0.100:3306, and a client namespace for drills")
        boolean net;
        @Option(names = "--probe-interval", defaultValue = "5", description = "with --net: the balancer's probe interval, s (default 5)")
        int probeInterval;
        @Option(names = "--threshold", defaultValue = "1", description = "with --net: the balancer's probe threshold (default 1)")
        int threshold;

        @Override
        public Integer call() throws Exception {
            Path root = root();
            if (net && membershipOnly) {
                System.err.println("sandbox: --net needs the resources (the balancer probes mariadbd's node); drop --membership-only");
                return 2;
            }
            SandboxLayout l;
            try {
                l = new SandboxLayout(parent.dir(), root, sqlPort, probePort, probePort + 1, udpPort, !membershipOnly,
                        net ? new NetMode(probeInterval, threshold) : null);
            } catch (IllegalArgumentException e) {
                System.err.println("sandbox: " + e.getMessage());
                return 2;
            }
            Sandbox sb = new Sandbox(l, List.of(root.resolve("packaging/bin/hadb-agent").toString()), System.out);
            boolean[] finished = {false};
            // Ctrl-C while `up` works: stop starting things, then remove everything made so far
            Thread hook = new Thread(() -> {
                synchronized (finished) {
                    if (finished[0]) return;
                }
                sb.abort();
                System.out.println("\ninterrupted: tearing the sandbox down");
                Sandbox.down(l.dir(), System.out);
            }, "sandbox-abort");
            try {
                // the hook only once the directory is ours: a refused second `up` must not touch the running one
                Sandbox.UpResult r = sb.up(Duration.ofSeconds(timeout), () -> Runtime.getRuntime().addShutdownHook(hook));
                return r.master().isPresent() ? 0 : 1;
            } catch (Sandbox.SandboxException e) {
                return fail(e);
            } finally {
                synchronized (finished) {
                    finished[0] = true;
                }
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException | IllegalArgumentException ignored) {
                    // shutting down, or never added
                }
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Each node's view, and which probe is open.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        SandboxMain parent;

        @Override
        public Integer call() throws Exception {
            try {
                System.out.print(parent.existing().status());
                return 0;
            } catch (Sandbox.SandboxException e) {
                return fail(e);
            }
        }
    }

    @Command(name = "crash", mixinStandardHelpOptions = true, description = "Stops every process of NODE at once"
            + " (SIGSTOP), takes its DRBD down, then SIGKILL.")
    static final class Crash implements Callable<Integer> {
        @ParentCommand
        SandboxMain parent;
        @Parameters(paramLabel = "NODE")
        String node;

        @Override
        public Integer call() throws Exception {
            try {
                SandboxLayout.node(node);
                parent.existing().crash(node);
                return 0;
            } catch (Sandbox.SandboxException e) {
                return fail(e);
            } catch (IllegalArgumentException e) {
                System.err.println("sandbox: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Brings NODE back: DRBD up, then its agent.")
    static final class Start implements Callable<Integer> {
        @ParentCommand
        SandboxMain parent;
        @Parameters(paramLabel = "NODE")
        String node;

        @Override
        public Integer call() throws Exception {
            try {
                SandboxLayout.node(node);
                parent.existing().start(node);
                return 0;
            } catch (Sandbox.SandboxException e) {
                return fail(e);
            } catch (IllegalArgumentException e) {
                System.err.println("sandbox: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "The end of NODE's agent log.")
    static final class Logs implements Callable<Integer> {
        @ParentCommand
        SandboxMain parent;
        @Parameters(paramLabel = "NODE")
        String node;
        @Option(names = {"-n", "--lines"}, defaultValue = "40")
        int lines;
        @Option(names = {"-f", "--follow"}, description = "keep printing what is appended")
        boolean follow;

        @Override
        public Integer call() throws Exception {
            try {
                SandboxLayout.node(node);
            } catch (IllegalArgumentException e) {
                System.err.println("sandbox: " + e.getMessage());
                return 2;
            }
            Path log = parent.dir().resolve(node + ".log");
            if (!Files.exists(log)) {
                System.err.println("sandbox: no log " + log);
                return 1;
            }
            List<String> all = Files.readAllLines(log);
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(System.out::println);
            if (!follow) return 0;
            long pos = Files.size(log);
            while (Files.exists(log)) {
                try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                    if (f.length() > pos) {
                        f.seek(pos);
                        byte[] b = new byte[(int) (f.length() - pos)];
                        f.readFully(b);
                        System.out.print(new String(b));
                        System.out.flush();
                        pos = f.length();
                    }
                }
                Thread.sleep(200);
            }
            return 0;
        }
    }

    @Command(name = "fault", mixinStandardHelpOptions = true, description = "Injects a fault into a net-mode sandbox:"
            + " crash, freeze, partition, oneway, witness-loss, replication-link, disk, mysqld-crash, mysqld-hang, isolate"
            + " (NODE: default the master). `sandbox heal` undoes it.")
    static final class Fault implements Callable<Integer> {
        @ParentCommand
        SandboxMain parent;
        @Parameters(index = "0", paramLabel = "KIND")
        String kind;
        @Parameters(index = "1", paramLabel = "NODE", arity = "0..1")
        String node;
        @Option(names = "--for", paramLabel = "SECONDS", description = "heal after this many seconds (default: until `sandbox heal`)")
        Integer seconds;

        @Override
        public Integer call() throws Exception {
            try {
                FaultKind k = FaultKind.parse(kind);
                SandboxFaults f = new SandboxFaults(parent.existing(), System.out);
                f.inject(k, node);
                if (seconds != null) {
                    Thread.sleep(seconds * 1000L);
                    f.heal();
                }
                return 0;
            } catch (Sandbox.SandboxException e) {
                return fail(e);
            } catch (IllegalArgumentException e) {
                System.err.println("sandbox: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "heal", mixinStandardHelpOptions = true, description = "Undoes every fault: rules dropped, processes"
            + " continued, replication link restored, failed disk attached, crashed nodes started.")
    static final class Heal implements Callable<Integer> {
        @ParentCommand
        SandboxMain parent;

        @Override
        public Integer call() throws Exception {
            try {
                new SandboxFaults(parent.existing(), System.out).heal();
                return 0;
            } catch (Sandbox.SandboxException e) {
                return fail(e);
            }
        }
    }

    @Command(name = "drill", mixinStandardHelpOptions = true, description = "A client writes through the balancer without"
            + " pause while each trial injects a fault, waits for recovery, heals and waits for resync; checks that no"
            + " acknowledged write is lost and no two probes were healthy at once; reports the client-visible downtime."
            + " Uses the running net-mode sandbox, or brings one up (and down again) when none runs.")
    static final class DrillCmd implements Callable<Integer> {
        @ParentCommand
        SandboxMain parent;
        @Option(names = "--fault", paramLabel = "KIND", description = "the fault of every trial")
        String fault;
        @Option(names = "--random", description = "each trial draws its fault at random (the default without --fault)")
        boolean random;
        @Option(names = "--seed", description = "seed of --random (default: the time, printed)")
        Long seed;
        @Option(names = "--trials", defaultValue = "1")
        int trials;
        @Option(names = "--probe-interval", description = "the balancer's probe interval, s, when the drill brings the sandbox up"
                + " (default 5); must match a running sandbox's")
        Integer probeInterval;
        @Option(names = "--threshold", description = "the balancer's probe threshold, as --probe-interval (default 1)")
        Integer threshold;
        @Option(names = "--json", paramLabel = "FILE", description = "write the trials as JSON")
        Path json;
        @Option(names = "--client", paramLabel = "MODE", defaultValue = "fixed", description = "how the client connects: fixed"
                + " (1 s connect timeout, immediate retry; the default) or kernel (the kernel's default SYN retries)")
        String client;

        @Override
        public Integer call() throws Exception {
            Optional<FaultKind> kind;
            ClientMode mode;
            try {
                mode = ClientMode.parse(client);
                if (fault != null && random) throw new IllegalArgumentException("--fault and --random exclude each other");
                if (trials < 1 || trials > 1000) throw new IllegalArgumentException("--trials " + trials + " is not in 1..1000");
                kind = fault == null ? Optional.empty() : Optional.of(FaultKind.parse(fault));
            } catch (IllegalArgumentException e) {
                System.err.println("sandbox: " + e.getMessage());
                return 2;
            }
            long s = seed != null ? seed : System.currentTimeMillis();
            List<FaultKind> plan = Drill.plan(kind, trials, s);
            Path dir = parent.dir();
            boolean ours = !Files.exists(dir);
            Sandbox sb;
            try {
                if (ours) {
                    Path root = root();
                    SandboxLayout l = new SandboxLayout(dir, root, 3306, 6001, 6002, 5405, true,
                            new NetMode(probeInterval == null ? 5 : probeInterval, threshold == null ? 1 : threshold));
                    sb = new Sandbox(l, List.of(root.resolve("packaging/bin/hadb-agent").toString()), System.out);
                    if (sb.up(Duration.ofSeconds(90)).master().isEmpty()) throw new Sandbox.SandboxException(1, "no master came up");
                } else {
                    sb = parent.existing();
                    NetMode net = sb.layout().net();
                    if (net == null) throw new Sandbox.SandboxException(2, "the sandbox in " + dir + " is not in net mode;"
                            + " `sandbox down`, then `sandbox up --net` (or let `sandbox drill` bring one up)");
                    if ((probeInterval != null && probeInterval != net.probeInterval())
                            || (threshold != null && threshold != net.threshold()))
                        throw new Sandbox.SandboxException(2, "the running sandbox's balancer probes every " + net.probeInterval()
                                + " s with threshold " + net.threshold() + "; `sandbox down` first to drill with other settings");
                }
            } catch (Sandbox.SandboxException e) {
                if (ours) Sandbox.down(dir, System.out);
                return fail(e);
            }
            try {
                System.out.println("drill: " + plan.size() + " trials" + (kind.isEmpty() ? " (random, seed " + s + ")" : "")
                        + ", balancer probe every " + sb.layout().net().probeInterval() + " s, threshold " + sb.layout().net().threshold()
                        + ", client: " + mode.what());
                Drill drill = new Drill(sb, System.out, mode);
                List<DrillTrial> results = drill.run(plan);
                System.out.println();
                System.out.print(Drill.table(results));
                System.out.println(drill.replicaCheck().line());
                if (json != null) Drill.writeJson(json, sb.layout(), mode, results, drill.replicaCheck());
                return results.stream().allMatch(DrillTrial::passed) && drill.replicaCheck().passed() ? 0 : 1;
            } catch (Sandbox.SandboxException e) {
                return fail(e);
            } finally {
                if (ours) Sandbox.down(dir, System.out);
            }
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Kills every process the sandbox started,"
            + " unmounts, detaches its loop devices and removes its state. Idempotent.")
    static final class Down implements Callable<Integer> {
        @ParentCommand
        SandboxMain parent;

        @Override
        public Integer call() {
            return Sandbox.down(parent.dir(), System.out) ? 0 : 1;
        }
    }
}
