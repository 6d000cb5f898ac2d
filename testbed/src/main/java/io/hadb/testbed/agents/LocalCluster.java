package io.hadb.testbed.agents;

import io.hadb.agent.config.KeyFile;
import io.hadb.agent.control.ControlClient;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.testbed.NetnsCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real agent processes on this machine: two data nodes and a witness on 127.0.0.1–3, each with its own data
 * directory, optionally inside a network namespace. Writes the key and configurations, starts, kills (-9)
 * and restarts agents, and asks each for its status over its control socket. Closing it kills every agent it
 * started (by PID) and removes the namespace it made.
 */
public final class LocalCluster implements AutoCloseable {
    public static final String CLUSTER_ID = "hadb-test";

    /** One configured agent. */
    public static final class Member {
        public final String name;
        public final int id;
        public final String ip;
        public final Path dataDir;
        public final Path config;
        Process process;
        ControlClient control;

        Member(String name, int id, String ip, Path dataDir, Path config) {
            this.name = name;
            this.id = id;
            this.ip = ip;
            this.dataDir = dataDir;
            this.config = config;
        }

        public synchronized boolean alive() {
            return process != null && process.isAlive();
        }

        public synchronized long pid() {
            return process == null ? -1 : process.pid();
        }
    }

    private final Path dir;
    private final List<String> launcher;
    private final String netns;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final CommandRunner runner = new CommandRunner();

    /**
     * @param launcher the command that runs an agent, before {@code --config FILE}
     * @param netns    a network namespace to create and run the agents in, or null for the host's loopback
     * @param ports    the UDP port of each of the three nodes
     */
    public LocalCluster(Path dir, List<String> launcher, String netns, int[] ports, String extraToml) throws IOException {
        this.dir = dir;
        this.launcher = List.copyOf(launcher);
        this.netns = netns;
        Files.createDirectories(dir);
        Path key = dir.resolve("authkey");
        if (!Files.exists(key)) KeyFile.generate(key);
        String[][] nodes = {{"hadb01", "1", "127.0.0.1", "data"}, {"hadb02", "2", "127.0.0.2", "data"},
                {"witness", "3", "127.0.0.3", "witness"}};
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < nodes.length; i++) {
            list.append("[[nodes]]\nname = \"").append(nodes[i][0]).append("\"\nid = ").append(nodes[i][1])
                    .append("\nrole = \"").append(nodes[i][3]).append("\"\naddresses = [\"").append(nodes[i][2])
                    .append(':').append(ports[i]).append("\"]\n");
        }
        for (String[] n : nodes) {
            Path data = dir.resolve(n[0]);
            Path cfg = dir.resolve(n[0] + ".toml");
            Files.writeString(cfg, "cluster_id = \"" + CLUSTER_ID + "\"\nnode = \"" + n[0] + "\"\nkey_file = \"" + key
                    + "\"\ndata_dir = \"" + data + "\"\n" + extraToml + "\n" + list);
            members.put(n[0], new Member(n[0], Integer.parseInt(n[1]), n[2], data, cfg));
        }
        if (netns != null) {
            sh("ip", "netns", "add", netns);
            sh("ip", "-n", netns, "link", "set", "lo", "up");
        }
    }

    public Path keyFile() {
        return dir.resolve("authkey");
    }

    public List<Member> members() {
        return List.copyOf(members.values());
    }

    public Member member(String name) {
        Member m = members.get(name);
        if (m == null) throw new IllegalArgumentException("no member " + name);
        return m;
    }

    public void startAll() throws IOException {
        for (Member m : members.values()) start(m.name);
    }

    public void start(String name) throws IOException {
        Member m = member(name);
        synchronized (m) {
            if (m.alive()) throw new IllegalStateException(name + " is already running");
            List<String> cmd = new ArrayList<>();
            if (netns != null) cmd.addAll(NetnsCommand.prefix(netns));
            cmd.addAll(launcher);
            cmd.addAll(List.of("--config", m.config.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()));
            m.process = pb.start();
            closeControl(m);
        }
    }

    /** SIGKILL, as a crash: the agent gets no chance to say goodbye. */
    public void kill9(String name) throws InterruptedException {
        Member m = member(name);
        Process p;
        synchronized (m) {
            p = m.process;
            closeControl(m);
        }
        if (p == null) return;
        p.destroyForcibly(); // SIGKILL on Linux
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** This member's status now, or null when it does not answer. */
    public AgentStatus status(String name) {
        Member m = member(name);
        synchronized (m) {
            if (!m.alive()) return null;
            try {
                if (m.control == null) m.control = new ControlClient(m.dataDir.resolve("control.sock"));
                long asked = System.nanoTime();
                return AgentStatus.parse(m.control.ask("status", java.time.Duration.ofSeconds(5)), asked);
            } catch (IOException e) {
                closeControl(m);
                return null;
            }
        }
    }

    /** Sends a control command line and returns the answer line, or null. */
    public String ask(String name, String line) {
        Member m = member(name);
        synchronized (m) {
            try {
                if (m.control == null) m.control = new ControlClient(m.dataDir.resolve("control.sock"));
                return m.control.ask(line, java.time.Duration.ofSeconds(120));
            } catch (IOException e) {
                closeControl(m);
                return null;
            }
        }
    }

    private static void closeControl(Member m) {
        if (m.control != null) {
            try {
                m.control.close();
            } catch (IOException ignored) {
                // reconnect next time
            }
            m.control = null;
        }
    }

    /** Runs a command inside the namespace (nft, ip): for partitions. */
    public void inNamespace(String... cmd) throws IOException {
        if (netns == null) throw new IllegalStateException("no namespace");
        List<String> c = new ArrayList<>(NetnsCommand.prefix(netns));
        c.addAll(List.of(cmd));
        sh(c.toArray(String[]::new));
    }

    /** Runs an nft script inside the namespace (never the host's tables). */
    public void nft(String script) throws IOException {
        if (netns == null) throw new IllegalStateException("no namespace");
        var r = runner.run(Duration.ofSeconds(10), NetnsCommand.with(netns, "nft", "-f", "-"), Map.of(),
                script.getBytes());
        if (r.exitCode() != 0) throw new IOException("nft failed (" + r.exitCode() + "): " + r.stderr());
    }

    private void sh(String... cmd) throws IOException {
        var r = runner.run(Duration.ofSeconds(10), List.of(cmd));
        if (r.exitCode() != 0) throw new IOException(String.join(" ", cmd) + " failed (" + r.exitCode() + "): " + r.stderr());
    }

    public String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        for (Member m : members.values()) {
            try {
                kill9(m.name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (netns != null) {
            try {
                sh("ip", "netns", "delete", netns);
            } catch (IOException ignored) {
                // reported by the caller's own failure, if any
            }
        }
    }
}
