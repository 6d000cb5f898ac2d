package io.hadb.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.hadb.protocol.ClusterConfig;
import io.hadb.protocol.NodeRole;
import io.hadb.protocol.NodeSpec;
import io.hadb.protocol.Timings;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the TOML configuration into an {@link AgentConfig}. Strict: a missing required key, a value of the
 * wrong type or out of range, and an unknown key are each an error naming the key. Sections reserved for
 * later parts of the agent are accepted and not read here.
 */
public final class ConfigParser {
    public static final int DEFAULT_PORT = 5405;
    public static final Path DEFAULT_KEY_FILE = Path.of("/etc/hadb/authkey");
    public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/hadb");

    private static final Set<String> TOP = Set.of("cluster_id", "node", "key_file", "data_dir", "port", "timings",
            "fencing", "nodes");
    /** Owned by other parts of the agent; each parses its own section. */
    public static final Set<String> RESERVED_SECTIONS = Set.of("drbd", "filesystem", "mysql", "probe", "metrics",
            "control");
    private static final Set<String> TIMINGS = Set.of("heartbeat_ms", "failure_timeout_ms", "lease_ms",
            "stop_margin_ms", "max_clock_drift", "election_jitter_ms", "handover_timeout_ms", "fence_retry_ms");
    private static final Set<String> FENCING = Set.of("enabled", "unsafe_no_fencing");
    private static final Set<String> NODE = Set.of("name", "id", "role", "votes", "addresses", "fence_delay_ms");

    private ConfigParser() {}

    public static AgentConfig parseFile(Path file, String nodeOverride) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read configuration " + file + ": " + e.getMessage());
        }
        return parse(text, nodeOverride);
    }

    /** @param nodeOverride this node's name from the command line, or null to use the file's {@code node} */
    public static AgentConfig parse(String toml, String nodeOverride) throws ConfigException {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(toml);
        } catch (IOException e) {
            throw new ConfigException("", "not valid TOML: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) throw new ConfigException("", "empty configuration");
        checkKeys(root, "", TOP, RESERVED_SECTIONS);
        for (String s : RESERVED_SECTIONS)
            if (root.has(s) && !root.get(s).isObject()) throw new ConfigException(s, "must be a table ([" + s + "])");

        String clusterId = string(root, "cluster_id", null, "");
        int port = intValue(root, "port", DEFAULT_PORT, "", 1, 65535);
        Path keyFile = Path.of(string(root, "key_file", DEFAULT_KEY_FILE.toString(), ""));
        Path dataDir = Path.of(string(root, "data_dir", DEFAULT_DATA_DIR.toString(), ""));
        Timings timings = timings(root.get("timings"));

        JsonNode fencingNode = table(root, "fencing");
        checkKeys(fencingNode, "fencing.", FENCING, Set.of());
        boolean fencing = bool(fencingNode, "enabled", false, "fencing.");
        boolean unsafe = bool(fencingNode, "unsafe_no_fencing", false, "fencing.");

        JsonNode nodesNode = root.get("nodes");
        if (nodesNode == null) throw new ConfigException("nodes", "missing: add one [[nodes]] table per node");
        if (!nodesNode.isArray()) throw new ConfigException("nodes", "must be an array of tables ([[nodes]])");
        List<NodeSpec> specs = new ArrayList<>();
        Map<Integer, List<InetSocketAddress>> addresses = new HashMap<>();
        Map<String, String> seenAddress = new HashMap<>();
        for (int i = 0; i < nodesNode.size(); i++) {
            String p = "nodes[" + i + "].";
            JsonNode n = nodesNode.get(i);
            if (!n.isObject()) throw new ConfigException("nodes[" + i + "]", "must be a table");
            checkKeys(n, p, NODE, Set.of());
            String name = string(n, "name", null, p);
            int id = intValue(n, "id", null, p, 1, 65535);
            String roleText = string(n, "role", "data", p);
            NodeRole role = switch (roleText) {
                case "data" -> NodeRole.DATA;
                case "witness" -> NodeRole.WITNESS;
                default -> throw new ConfigException(p + "role", "must be \"data\" or \"witness\", got \"" + roleText + "\"");
            };
            int votes = intValue(n, "votes", 1, p, 0, 100);
            long fenceDelay = longValue(n, "fence_delay_ms", 0L, p, 0, 600_000);
            List<InetSocketAddress> addrs = addresses(n, p, port);
            for (int l = 0; l < addrs.size(); l++) {
                String a = addrs.get(l).toString();
                String prev = seenAddress.put(a, p + "addresses[" + l + "]");
                if (prev != null) throw new ConfigException(p + "addresses[" + l + "]", a + " is also " + prev);
            }
            try {
                specs.add(new NodeSpec(id, name, role, votes, addrs.size(), fenceDelay));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("nodes[" + i + "]", e.getMessage());
            }
            addresses.put(id, addrs);
        }
        ClusterConfig cluster;
        try {
            cluster = new ClusterConfig(clusterId, specs, timings, fencing, unsafe);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            String key = msg.startsWith("cluster id") ? "cluster_id"
                    : msg.startsWith("two data nodes") ? "fencing" : "nodes";
            throw new ConfigException(key, msg);
        }
        if (fencing) {
            // fencing agents come with a later part of the agent; say so instead of pretending
            // (the protocol then asks for a fence and is told it failed)
        }
        String selfName = nodeOverride != null ? nodeOverride : string(root, "node", null, "");
        NodeSpec me = cluster.byName(selfName).orElseThrow(() -> new ConfigException(
                nodeOverride != null ? "--node" : "node", "\"" + selfName + "\" is not one of the configured nodes "
                + cluster.nodes().stream().map(NodeSpec::name).toList()));
        return new AgentConfig(cluster, me.id(), keyFile, dataDir, addresses);
    }

    private static Timings timings(JsonNode t) throws ConfigException {
        Timings d = Timings.defaults();
        if (t == null) return d;
        if (!t.isObject()) throw new ConfigException("timings", "must be a table ([timings])");
        checkKeys(t, "timings.", TIMINGS, Set.of());
        String p = "timings.";
        long hb = longValue(t, "heartbeat_ms", d.heartbeatMs(), p, 1, 60_000);
        long ft = longValue(t, "failure_timeout_ms", d.failureTimeoutMs(), p, 1, 600_000);
        long lease = longValue(t, "lease_ms", d.leaseMs(), p, 1, 600_000);
        long stop = longValue(t, "stop_margin_ms", d.stopMarginMs(), p, 0, 600_000);
        double drift = number(t, "max_clock_drift", d.maxClockDrift(), p);
        long jitter = longValue(t, "election_jitter_ms", d.electionJitterMs(), p, 0, 600_000);
        long handover = longValue(t, "handover_timeout_ms", d.handoverTimeoutMs(), p, 1, 3_600_000);
        long fenceRetry = longValue(t, "fence_retry_ms", d.fenceRetryMs(), p, 1, 3_600_000);
        try {
            return new Timings(hb, ft, lease, stop, drift, jitter, handover, fenceRetry);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            String key = m.startsWith("heartbeat") ? "heartbeat_ms" : m.startsWith("failure timeout") ? "failure_timeout_ms"
                    : m.startsWith("lease") ? "lease_ms" : m.startsWith("stop margin") ? "stop_margin_ms"
                    : m.startsWith("max clock") ? "max_clock_drift" : m.startsWith("election") ? "election_jitter_ms"
                    : m.startsWith("handover") ? "handover_timeout_ms" : "fence_retry_ms";
            throw new ConfigException(p + key, m);
        }
    }

    private static List<InetSocketAddress> addresses(JsonNode n, String p, int defaultPort) throws ConfigException {
        JsonNode a = n.get("addresses");
        String key = p + "addresses";
        if (a == null) throw new ConfigException(key, "missing: one address per link, e.g. [\"10.0.0.1\"]");
        if (!a.isArray()) throw new ConfigException(key, "must be an array of strings, e.g. [\"10.0.0.1\"]");
        if (a.size() < 1 || a.size() > 2) throw new ConfigException(key, "needs one or two addresses (links), got " + a.size());
        List<InetSocketAddress> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            String k = key + "[" + i + "]";
            if (!a.get(i).isTextual()) throw new ConfigException(k, "must be a string");
            out.add(address(a.get(i).asText(), defaultPort, k));
        }
        return out;
    }

    /** "10.0.0.1", "10.0.0.1:5405", "::1", "[::1]:5405": IP literals only, so membership never waits on DNS. */
    static InetSocketAddress address(String text, int defaultPort, String key) throws ConfigException {
        String host = text.trim();
        int port = defaultPort;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            if (close < 0) throw new ConfigException(key, "\"" + text + "\": missing ']'");
            String rest = host.substring(close + 1);
            host = host.substring(1, close);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) throw new ConfigException(key, "\"" + text + "\": expected ':port' after ']'");
                port = port(rest.substring(1), text, key);
            }
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            int c = host.indexOf(':');
            port = port(host.substring(c + 1), text, key);
            host = host.substring(0, c);
        }
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        if (ip == null) throw new ConfigException(key, "\"" + text + "\" is not an IP address (host names are not "
                + "accepted: membership must not depend on DNS)");
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (IOException e) {
            throw new ConfigException(key, "\"" + text + "\": " + e.getMessage());
        }
    }

    private static int port(String s, String text, String key) throws ConfigException {
        try {
            int p = Integer.parseInt(s);
            if (p >= 1 && p <= 65535) return p;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException(key, "\"" + text + "\": port must be 1..65535");
    }

    // ------------------------------------------------------------ typed getters

    static void checkKeys(JsonNode node, String prefix, Set<String> known, Set<String> reserved)
            throws ConfigException {
        if (node == null) return;
        Iterator<String> it = node.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (known.contains(k) || reserved.contains(k)) continue;
            String hint = closest(k, known);
            throw new ConfigException(prefix + k, "unknown key" + (hint != null ? " (did you mean " + prefix + hint + "?)"
                    : "; known keys here: " + String.join(", ", new java.util.TreeSet<>(known))));
        }
    }

    static JsonNode table(JsonNode root, String key) throws ConfigException {
        JsonNode n = root.get(key);
        if (n != null && !n.isObject()) throw new ConfigException(key, "must be a table ([" + key + "])");
        return n;
    }

    static String string(JsonNode n, String key, String dflt, String p) throws ConfigException {
        JsonNode v = n == null ? null : n.get(key);
        if (v == null) {
            if (dflt == null) throw new ConfigException(p + key, "missing (required)");
            return dflt;
        }
        if (!v.isTextual()) throw new ConfigException(p + key, "must be a string, got " + v.getNodeType().toString().toLowerCase());
        if (v.asText().isBlank()) throw new ConfigException(p + key, "must not be empty");
        return v.asText();
    }

    static int intValue(JsonNode n, String key, Integer dflt, String p, long min, long max) throws ConfigException {
        return (int) longValue(n, key, dflt == null ? null : (long) dflt, p, min, max);
    }

    static long longValue(JsonNode n, String key, Long dflt, String p, long min, long max) throws ConfigException {
        JsonNode v = n == null ? null : n.get(key);
        if (v == null) {
            if (dflt == null) throw new ConfigException(p + key, "missing (required)");
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong())
            throw new ConfigException(p + key, "must be an integer, got " + describe(v));
        long x = v.asLong();
        if (x < min || x > max) throw new ConfigException(p + key, "must be in " + min + ".." + max + ", got " + x);
        return x;
    }

    private static double number(JsonNode n, String key, double dflt, String p) throws ConfigException {
        JsonNode v = n == null ? null : n.get(key);
        if (v == null) return dflt;
        if (!v.isNumber()) throw new ConfigException(p + key, "must be a number, got " + describe(v));
        return v.asDouble();
    }

    static boolean bool(JsonNode n, String key, boolean dflt, String p) throws ConfigException {
        JsonNode v = n == null ? null : n.get(key);
        if (v == null) return dflt;
        if (!v.isBoolean()) throw new ConfigException(p + key, "must be true or false, got " + describe(v));
        return v.asBoolean();
    }

    private static String describe(JsonNode v) {
        return v.isTextual() ? "the string \"" + v.asText() + "\"" : v.getNodeType().toString().toLowerCase() + " " + v;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The known key nearest to a misspelt one, when it is near enough to be a likely typo. */
    static String closest(String k, Set<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : known) {
            int d = distance(k, c);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        if (best != null && (bestD <= Math.max(2, k.length() / 3) || best.startsWith(k) || k.startsWith(best))) return best;
        return null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** For documentation and tests: every key this parser reads, with its section. */
    public static Map<String, Set<String>> knownKeys() {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        m.put("", TOP);
        m.put("timings", TIMINGS);
        m.put("fencing", FENCING);
        m.put("nodes", NODE);
        return m;
    }
}
