package io.hadb.testbed.lb;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;

import io.hadb.testbed.NetnsCommand;
import java.io.IOException;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The balancer's network, made only of network namespaces it creates (the host's interfaces,
 * addresses and nftables are never touched). The "lb" namespace routes between two bridges:
 * the front one (10.213.0.0/24, the frontend 10.213.0.100, clients) and the back one
 * (10.213.1.0/24, the backends). Each attached namespace gets a veth whose far end, "lb0", holds
 * its address and a default route through the lb namespace, so a backend's answers return through
 * the balancer's connection tracking, as Azure's do. Addresses never leave these namespaces.
 */
public final class LbNetwork implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LbNetwork.class.getName());
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(10);

    public static final Inet4Address FRONTEND = LbSettings.ipv4("10.213.0.100");
    public static final Inet4Address FRONT_GATEWAY = LbSettings.ipv4("10.213.0.1");
    public static final Inet4Address BACK_GATEWAY = LbSettings.ipv4("10.213.1.1");
    static final String FRONT_BRIDGE = "br-front";
    static final String BACK_BRIDGE = "br-back";
    static final String FAR_END = "lb0";

    private final CommandRunner runner;
    private final String lbNamespace;
    private final List<String> created = new ArrayList<>();
    private int links;

    private LbNetwork(CommandRunner runner, String lbNamespace) {
        this.runner = runner;
        this.lbNamespace = lbNamespace;
    }

    /** Creates namespace PREFIX-lb with both bridges and forwarding on; removed again by close(). */
    public static LbNetwork create(String prefix, CommandRunner runner) throws IOException {
        if (prefix == null || !prefix.matches("[a-z0-9][a-z0-9-]{0,19}"))
            throw new IllegalArgumentException("namespace prefix '" + prefix + "' must be 1-20 of [a-z0-9-]");
        LbNetwork n = new LbNetwork(runner, prefix + "-lb");
        try {
            n.addNamespace(n.lbNamespace);
            n.ip("-n", n.lbNamespace, "link", "set", "lo", "up");
            for (String br : List.of(FRONT_BRIDGE, BACK_BRIDGE)) n.ip("-n", n.lbNamespace, "link", "add", br, "type", "bridge");
            n.ip("-n", n.lbNamespace, "addr", "add", FRONT_GATEWAY.getHostAddress() + "/24", "dev", FRONT_BRIDGE);
            n.ip("-n", n.lbNamespace, "addr", "add", FRONTEND.getHostAddress() + "/32", "dev", FRONT_BRIDGE);
            n.ip("-n", n.lbNamespace, "addr", "add", BACK_GATEWAY.getHostAddress() + "/24", "dev", BACK_BRIDGE);
            for (String br : List.of(FRONT_BRIDGE, BACK_BRIDGE)) n.ip("-n", n.lbNamespace, "link", "set", br, "up");
            n.inNamespace(n.lbNamespace, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            LOG.info(() -> "lb network: namespace " + n.lbNamespace + " up, frontend " + FRONTEND.getHostAddress());
            return n;
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
    }

    public String lbNamespace() {
        return lbNamespace;
    }

    /** Puts a backend namespace (created here if it does not exist) on the back bridge at ADDRESS (10.213.1.2-254). */
    public void attachBackend(String namespace, Inet4Address address) throws IOException {
        attach(namespace, address, "10.213.1.", BACK_BRIDGE, BACK_GATEWAY);
    }

    /** Puts a client namespace (created here if it does not exist) on the front bridge at ADDRESS (10.213.0.2-254, not .100). */
    public void attachClient(String namespace, Inet4Address address) throws IOException {
        if (address.equals(FRONTEND)) throw new IllegalArgumentException("client address must not be the frontend's");
        attach(namespace, address, "10.213.0.", FRONT_BRIDGE, FRONT_GATEWAY);
    }

    private void attach(String namespace, Inet4Address address, String subnet, String bridge, Inet4Address gateway)
            throws IOException {
        String a = address.getHostAddress();
        int last = Integer.parseInt(a.substring(a.lastIndexOf('.') + 1));
        if (!a.startsWith(subnet) || last < 2 || last > 254)
            throw new IllegalArgumentException("address " + a + " is not in " + subnet + "2-254");
        if (namespace == null || !namespace.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,39}") || namespace.equals(lbNamespace))
            throw new IllegalArgumentException("namespace name '" + namespace + "' is not usable");
        if (!existingNamespaces().contains(namespace)) addNamespace(namespace);
        String near = "v" + (bridge.equals(BACK_BRIDGE) ? "b" : "c") + (++links);
        ip("-n", lbNamespace, "link", "add", near, "type", "veth", "peer", "name", FAR_END, "netns", namespace);
        ip("-n", lbNamespace, "link", "set", near, "master", bridge, "up");
        ip("-n", namespace, "link", "set", "lo", "up");
        ip("-n", namespace, "addr", "add", a + "/24", "dev", FAR_END);
        ip("-n", namespace, "link", "set", FAR_END, "up");
        ip("-n", namespace, "route", "add", "default", "via", gateway.getHostAddress());
        LOG.info(() -> "lb network: " + namespace + " attached at " + a + " (" + bridge + ")");
    }

    /** Runs a command inside a namespace (ip netns exec), failing with its output on a non-zero exit. */
    CommandResult inNamespace(String namespace, String... command) throws IOException {
        return inNamespaceWithInput(namespace, null, List.of(command));
    }

    /** As inNamespace, with STDIN (may be null) as the command's standard input. */
    CommandResult inNamespaceWithInput(String namespace, String stdin, List<String> command) throws IOException {
        List<String> cmd = new ArrayList<>(NetnsCommand.prefix(namespace));
        cmd.addAll(command);
        CommandResult r = runner.run(CMD_TIMEOUT, cmd, java.util.Map.of(),
                stdin == null ? null : stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (!r.ok()) throw new IOException(r.summary());
        return r;
    }

    private Set<String> existingNamespaces() throws IOException {
        CommandResult r = ip("netns", "list");
        Set<String> names = new java.util.HashSet<>();
        for (String line : r.stdout().split("\n")) if (!line.isBlank()) names.add(line.strip().split("\\s+")[0]);
        return names;
    }

    private void addNamespace(String ns) throws IOException {
        ip("netns", "add", ns);
        created.add(ns);
    }

    private CommandResult ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        CommandResult r = runner.run(CMD_TIMEOUT, cmd);
        if (!r.ok()) throw new IOException(r.summary());
        return r;
    }

    /** Deletes every namespace this network created (which removes their links), the lb one last. */
    @Override
    public void close() {
        List<String> order = new ArrayList<>(created);
        java.util.Collections.reverse(order);
        for (String ns : order) {
            try {
                CommandResult r = runner.run(CMD_TIMEOUT, List.of("ip", "netns", "del", ns));
                if (!r.ok()) LOG.warning("lb network: could not delete namespace " + ns + ": " + r.summary());
            } catch (IOException e) {
                LOG.warning("lb network: could not delete namespace " + ns + ": " + e.getMessage());
            }
        }
        created.clear();
    }
}
