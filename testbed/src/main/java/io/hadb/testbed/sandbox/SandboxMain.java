package io.hadb.testbed.sandbox;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
                SandboxMain.Logs.class, SandboxMain.Down.class})
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
