package io.hadb.testbed.sandbox;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Cuts one sandbox node off from the others with nftables, inside a network namespace a test made (never
 * in the host's tables: {@link #requireNamespace} refuses to run anywhere else). All sandbox nodes
 * share the namespace's loopback, so the rules match on addresses: everything from the node's address to
 * the others' and back is dropped, in the input and the output hook. An observer that connects to a node
 * from that node's own address (see {@link #selfSourceRoutes}) is not affected: it plays the load balancer.
 */
final class NetnsIsolation {
    static final String TABLE = "hadb_iso";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private NetnsIsolation() {
    }

    /** The nft script that isolates {@code isolated} from {@code others} in both directions (pure). */
    static String isolateRules(String isolated, List<String> others) {
        if (others.isEmpty()) throw new IllegalArgumentException("nobody to isolate " + isolated + " from");
        String set = "{ " + String.join(", ", others) + " }";
        String rules = "    ip saddr " + isolated + " ip daddr " + set + " drop\n"
                + "    ip saddr " + set + " ip daddr " + isolated + " drop\n";
        return "table inet " + TABLE + " {\n"
                + "  chain input {\n    type filter hook input priority 0; policy accept;\n" + rules + "  }\n"
                + "  chain output {\n    type filter hook output priority 0; policy accept;\n" + rules + "  }\n"
                + "}\n";
    }

    /**
     * On loopback the kernel picks 127.0.0.1 as the source of every connection to 127.0.0.x (the local
     * route's preferred source), so a node's own health query to its own address would look like traffic
     * from hadb01. One /32 local route per address with itself as source makes a connection to a node's
     * address come from that address, as it would on separate machines; the agents' UDP sockets are bound
     * to their own addresses anyway. Returns the `ip -n NS route` commands (pure).
     */
    static List<List<String>> selfSourceRoutes(String netns, List<String> addresses) {
        return addresses.stream().filter(a -> !a.equals("127.0.0.1")) // 127.0.0.1/32 already has src 127.0.0.1
                .map(a -> List.of("ip", "-n", netns, "route", "add", "local", a + "/32", "dev", "lo", "table", "local",
                        "src", a))
                .toList();
    }

    /**
     * Refuses to touch nftables unless this process runs in the named namespace (made by the test, bound at
     * /run/netns/NAME): the inode of that file is the namespace's, as /proc/self/ns/net names it.
     */
    static void requireNamespace(String netns) throws IOException {
        String self = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString(); // net:[INODE]
        Object ino = Files.getAttribute(Path.of("/run/netns", netns), "unix:ino");
        if (!self.equals("net:[" + ino + "]"))
            throw new IOException("refusing to change nftables: this process runs in " + self + ", not in namespace "
                    + netns + " (net:[" + ino + "])");
    }

    static void isolate(CommandRunner runner, String netns, String isolated, List<String> others) throws IOException {
        requireNamespace(netns);
        CommandResult r = runner.run(TIMEOUT, List.of("nft", "-f", "-"), java.util.Map.of(),
                isolateRules(isolated, others).getBytes(StandardCharsets.UTF_8));
        if (!r.ok()) throw new IOException("nft could not isolate " + isolated + ": " + r.summary());
    }

    static void heal(CommandRunner runner, String netns) throws IOException {
        requireNamespace(netns);
        CommandResult r = runner.run(TIMEOUT, List.of("nft", "delete", "table", "inet", TABLE));
        if (!r.ok()) throw new IOException("nft could not remove table " + TABLE + ": " + r.summary());
    }
}
