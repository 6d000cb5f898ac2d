package io.hadb.testbed.sandbox;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.testbed.NetnsCommand;
import io.hadb.testbed.lb.NetnsSockets;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The network half of a net-mode sandbox: the nodes' and the client's namespaces (made here), the balancer
 * as its own process (LbMain in its own session, pid in DIR/lb.pid, which makes PREFIX-lb, attaches the
 * namespaces and removes its own on SIGTERM), and how the host reaches node addresses: sockets opened in
 * the balancer's namespace, where the back bridge is.
 */
final class NetSandbox {
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration LB_START = Duration.ofSeconds(30);

    private NetSandbox() {
    }

    static Path lbPidFile(Path dir) {
        return dir.resolve("lb.pid");
    }

    static Path lbStatusFile(Path dir) {
        return dir.resolve("lb.status");
    }

    static Path lbEventsFile(Path dir) {
        return dir.resolve("lb.events");
    }

    static Path lbLog(Path dir) {
        return dir.resolve("lb.log");
    }

    /** The balancer: java with this JVM's class path (the testbed jar, or a test's class path). */
    static List<String> lbCommand(SandboxLayout l) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), "io.hadb.testbed.lb.LbMain",
                "--prefix", NetMode.PREFIX, "--port", Integer.toString(l.sqlPort()),
                "--probe-interval", Integer.toString(l.net().probeInterval()),
                "--threshold", Integer.toString(l.net().threshold()),
                "--events", lbEventsFile(l.dir()).toString(), "--status", lbStatusFile(l.dir()).toString()));
        for (SandboxLayout.Node n : SandboxLayout.NODES) {
            String spec = n.name() + ",ns=" + NetMode.namespace(n) + ",addr=" + l.address(n);
            if (n.data()) cmd.addAll(List.of("--backend", spec + ",probe=tcp:" + l.probeTcpPort()));
            else cmd.addAll(List.of("--attach", NetMode.namespace(n) + ",addr=" + l.address(n)));
        }
        cmd.addAll(List.of("--client", NetMode.CLIENT_NAMESPACE + ",addr=" + NetMode.CLIENT_ADDRESS));
        return cmd;
    }

    /**
     * Makes the namespaces and starts the balancer, waiting until it has attached them all (its status file
     * appears). A leftover namespace of the same name is refused: another net-mode sandbox may run.
     */
    static void start(SandboxLayout l, CommandRunner runner, PrintStream out) throws IOException, InterruptedException {
        List<String> existing = existingNamespaces(runner);
        for (String ns : allNamespaces())
            if (existing.contains(ns)) throw new IOException("network namespace " + ns + " exists already: another net-mode"
                    + " sandbox runs or was left behind (`ip netns del " + ns + "` after checking)");
        for (String ns : NetMode.sandboxNamespaces()) ip(runner, "netns", "add", ns);
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(lbCommand(l));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(lbLog(l.dir()).toFile())).start();
        OptionalLong st = ProcessGroups.startTime(p.pid());
        if (st.isEmpty()) throw new IOException("the load balancer exited at once; see " + lbLog(l.dir()));
        Files.writeString(lbPidFile(l.dir()), p.pid() + " " + st.getAsLong() + "\n");
        long deadline = System.nanoTime() + LB_START.toNanos();
        while (!Files.exists(lbStatusFile(l.dir()))) {
            if (!p.isAlive()) throw new IOException("the load balancer exited (" + p.exitValue() + "); see " + lbLog(l.dir()));
            if (System.nanoTime() > deadline) throw new IOException("the load balancer did not come up within "
                    + LB_START.toSeconds() + " s; see " + lbLog(l.dir()));
            Thread.sleep(50);
        }
        out.printf("network: nodes on %s, balancer %s:%d probing tcp:%d every %d s (threshold %d), client namespace %s%n",
                SandboxLayout.NODES.stream().map(n -> n.name() + "=" + l.address(n)).toList(), NetMode.FRONTEND, l.sqlPort(),
                l.probeTcpPort(), l.net().probeInterval(), l.net().threshold(), NetMode.CLIENT_NAMESPACE);
    }

    /** The command prefix that runs a node's process inside its namespace (the net namespace only, not the mounts). */
    static List<String> enter(SandboxLayout.Node n) {
        return NetnsCommand.prefix(NetMode.namespace(n));
    }

    /**
     * Ends the balancer (SIGTERM: it removes its rules and namespace; SIGKILL after 10 s) and deletes every
     * namespace of the sandbox that is left. Idempotent. @return true when nothing was left
     */
    static boolean teardown(Path dir, PrintStream out) {
        CommandRunner runner = new CommandRunner();
        boolean clean = true;
        Optional<long[]> lb = Sandbox.readPid(dir, "lb").filter(p -> ProcessGroups.ours(p[0], p[1]));
        if (lb.isPresent()) {
            long g = lb.get()[0];
            ProcessGroups.signal(g, 15);
            List<Long> left = ProcessGroups.awaitEmpty(g, Duration.ofSeconds(10));
            if (!left.isEmpty()) {
                ProcessGroups.signal(g, ProcessGroups.SIGKILL);
                left = ProcessGroups.awaitEmpty(g, Duration.ofSeconds(5));
            }
            if (left.isEmpty()) out.println("stopped the load balancer (process group " + g + ")");
            else {
                out.println("load balancer processes " + left + " survived SIGKILL");
                clean = false;
            }
        }
        try {
            List<String> existing = existingNamespaces(runner);
            for (String ns : allNamespaces()) {
                if (!existing.contains(ns)) continue;
                CommandResult r = runner.run(CMD_TIMEOUT, List.of("ip", "netns", "del", ns));
                out.println(r.ok() ? "removed network namespace " + ns : "cannot remove namespace " + ns + ": " + r.summary());
                clean &= r.ok();
            }
        } catch (IOException e) {
            out.println("cannot list network namespaces: " + e.getMessage());
            clean = false;
        }
        return clean;
    }

    static List<String> allNamespaces() {
        List<String> all = new ArrayList<>(NetMode.sandboxNamespaces());
        all.add(NetMode.LB_NAMESPACE);
        return all;
    }

    static List<String> existingNamespaces(CommandRunner runner) throws IOException {
        CommandResult r = runner.run(CMD_TIMEOUT, List.of("ip", "netns", "list"));
        if (!r.ok()) throw new IOException("ip netns list: " + r.summary());
        List<String> names = new ArrayList<>();
        for (String line : r.stdout().split("\n")) if (!line.isBlank()) names.add(line.strip().split("\\s+")[0]);
        return names;
    }

    /** The balancer's status file: each backend's probe state, or a note why there is none. */
    static String lbStatus(Path dir) {
        Optional<long[]> lb = Sandbox.readPid(dir, "lb").filter(p -> ProcessGroups.ours(p[0], p[1]));
        String head = "load balancer " + NetMode.FRONTEND + (lb.isPresent() ? " (pid " + lb.get()[0] + ")" : " NOT RUNNING") + ":\n";
        try {
            return head + Files.readString(lbStatusFile(dir));
        } catch (IOException e) {
            return head + "  no status file\n";
        }
    }

    private static void ip(CommandRunner runner, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        CommandResult r = runner.run(CMD_TIMEOUT, cmd);
        if (!r.ok()) throw new IOException(String.join(" ", cmd) + ": " + r.summary());
    }

    /** TCP connects to node addresses from the balancer's namespace (where the back bridge is). */
    static final class Reach implements AutoCloseable {
        private final NetnsSockets sockets;

        Reach() throws IOException {
            sockets = new NetnsSockets(NetMode.LB_NAMESPACE);
        }

        /** Whether ADDRESS:PORT completes a handshake within timeoutMs (then closed without data). */
        boolean open(String address, int port, int timeoutMs) {
            try (SocketChannel ch = sockets.openTcp()) {
                ch.socket().connect(new InetSocketAddress(address, port), timeoutMs);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void close() {
            sockets.close();
        }
    }
}
