package io.hadb.testbed.sandbox;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Where everything of one sandbox lives and which ports it uses: the sandbox directory (state, configs,
 * images, logs), the repository it runs from, and the ports shared by the three nodes (each node has its
 * own loopback address, so the same port serves on each). Saved in DIR/sandbox.properties so that
 * {@code status}, {@code crash} and {@code down} find what {@code up} made.
 *
 * @param resources false: agents get no [drbd]/[filesystem]/[mysql]/[probe] sections (membership only)
 * @param net       null: every node on its loopback address (the default); else each node in a network namespace
 *                  of its own behind the load balancer ({@link NetMode})
 */
public record SandboxLayout(Path dir, Path root, int sqlPort, int probeTcpPort, int probeHttpPort, int udpPort,
                            boolean resources, NetMode net) {
    public static final String RESOURCE = "r0";
    public static final String CLUSTER_ID = "hadb-sandbox";
    /** Every node: two data nodes and a witness, each on its own loopback address. */
    public static final List<Node> NODES = List.of(new Node("hadb01", 1, "127.0.0.1", true),
            new Node("hadb02", 2, "127.0.0.2", true), new Node("witness", 3, "127.0.0.3", false));

    /** One node of the sandbox. */
    public record Node(String name, int id, String address, boolean data) {
    }

    public SandboxLayout {
        dir = dir.toAbsolutePath().normalize();
        root = root.toAbsolutePath().normalize();
        for (int p : new int[] {sqlPort, probeTcpPort, probeHttpPort, udpPort})
            if (p < 1 || p > 65535) throw new IllegalArgumentException("port " + p + " is not 1..65535");
        if (probeTcpPort == probeHttpPort || probeTcpPort == sqlPort || probeHttpPort == sqlPort)
            throw new IllegalArgumentException("SQL, TCP probe and HTTP probe ports must differ");
    }

    /** A loopback sandbox (no network namespaces). */
    public SandboxLayout(Path dir, Path root, int sqlPort, int probeTcpPort, int probeHttpPort, int udpPort, boolean resources) {
        this(dir, root, sqlPort, probeTcpPort, probeHttpPort, udpPort, resources, null);
    }

    /** The address the node's agent, mariadbd and probes bind: its loopback address, or in net mode its backend address. */
    public String address(Node n) {
        return net == null ? n.address() : NetMode.address(n);
    }

    public boolean netMode() {
        return net != null;
    }

    public static SandboxLayout defaults(Path dir, Path root) {
        return new SandboxLayout(dir, root, 3306, 6001, 6002, 5405, true);
    }

    public static Node node(String name) {
        return NODES.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no node " + name + "; the nodes are "
                        + NODES.stream().map(Node::name).toList()));
    }

    public static List<Node> dataNodes() {
        return NODES.stream().filter(Node::data).toList();
    }

    public Path bin() {
        return root.resolve("testbed/bin");
    }

    public Path agentctl() {
        return root.resolve("packaging/bin/agentctl");
    }

    public Path keyFile() {
        return dir.resolve("authkey");
    }

    /** The emulator's directory: images, drbd.conf, shared state. */
    public Path emuDir() {
        return dir.resolve("emu");
    }

    /** The node's agent data dir (state file, control socket) and home of its mount point. */
    public Path nodeDir(String node) {
        return dir.resolve(node);
    }

    /**
     * Marks a disk failed by the disk fault, so that heal attaches that disk again and no other: a disk the agent
     * detached itself (a frozen master ending its held writes) must stay detached until the agent attaches it.
     */
    public Path diskFaultMark(String node) {
        return dir.resolve(node + ".disk-fault");
    }

    public Path config(String node) {
        return dir.resolve(node + ".toml");
    }

    public Path agentLog(String node) {
        return dir.resolve(node + ".log");
    }

    public Path pidFile(String node) {
        return dir.resolve(node + ".pid");
    }

    public Path controlSocket(String node) {
        return nodeDir(node).resolve("control.sock");
    }

    public Path mountpoint(String node) {
        return nodeDir(node).resolve("mnt");
    }

    /** MariaDB's datadir, socket and pid file live on the replicated filesystem. */
    public Path datadir(String node) {
        return mountpoint(node).resolve("mysql");
    }

    public Path mysqlOutput(String node) {
        return nodeDir(node).resolve("mysqld.log");
    }

    private static Path propertiesFile(Path dir) {
        return dir.resolve("sandbox.properties");
    }

    public void save() throws IOException {
        Properties p = new Properties();
        p.setProperty("root", root.toString());
        p.setProperty("sql_port", Integer.toString(sqlPort));
        p.setProperty("probe_tcp_port", Integer.toString(probeTcpPort));
        p.setProperty("probe_http_port", Integer.toString(probeHttpPort));
        p.setProperty("udp_port", Integer.toString(udpPort));
        p.setProperty("resources", Boolean.toString(resources));
        if (net != null) net.store(p);
        try (Writer w = Files.newBufferedWriter(propertiesFile(dir))) {
            p.store(w, "hadb sandbox layout");
        }
    }

    /** The layout that {@code up} saved in dir, if any. */
    public static Optional<SandboxLayout> load(Path dir) throws IOException {
        Path f = propertiesFile(dir);
        if (!Files.exists(f)) return Optional.empty();
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
        }
        try {
            return Optional.of(new SandboxLayout(dir, Path.of(p.getProperty("root")),
                    Integer.parseInt(p.getProperty("sql_port")), Integer.parseInt(p.getProperty("probe_tcp_port")),
                    Integer.parseInt(p.getProperty("probe_http_port")), Integer.parseInt(p.getProperty("udp_port")),
                    Boolean.parseBoolean(p.getProperty("resources")), NetMode.load(p)));
        } catch (RuntimeException e) {
            throw new IOException(f + " is damaged (" + e + "); `sandbox down` still cleans up by what it finds");
        }
    }
}
