package io.hadb.testbed.sandbox;

import java.util.List;
import java.util.Properties;

/**
 * The sandbox's opt-in network mode: each node in a network namespace of its own, attached to the
 * load balancer's back bridge (10.213.1.11-13), the balancer (its own process) on 10.213.0.100 in front
 * probing each data node's TCP probe, and a client namespace on the front bridge for drills. Names and
 * addresses are fixed, so one net-mode sandbox runs at a time per name prefix: the tests use their own prefix
 * (system property hadb.sandbox.netns-prefix, set by the testbed's surefire configuration), so the test suite
 * and an operator's sandbox or a benchmark do not take each other's namespaces.
 *
 * @param probeInterval the balancer's probe interval in seconds (Azure: 5)
 * @param threshold     consecutive probe results that change a backend's state (Azure: 1; SAP guides: 2)
 */
public record NetMode(int probeInterval, int threshold) {
    static final String PREFIX = prefix(System.getProperty("hadb.sandbox.netns-prefix", "hadbsb"));
    /** The balancer's namespace, made (and removed) by LbMain from PREFIX. */
    public static final String LB_NAMESPACE = PREFIX + "-lb";
    public static final String CLIENT_NAMESPACE = PREFIX + "-client";
    public static final String CLIENT_ADDRESS = "10.213.0.10";
    public static final String FRONTEND = "10.213.0.100";

    public NetMode {
        if (probeInterval < 1 || probeInterval > 60) throw new IllegalArgumentException("probe interval " + probeInterval
                + " s is not in 1..60");
        if (threshold < 1 || threshold > 10) throw new IllegalArgumentException("probe threshold " + threshold + " is not in 1..10");
    }

    private static String prefix(String p) {
        if (!p.matches("[a-z][a-z0-9]{0,7}"))
            throw new IllegalArgumentException("hadb.sandbox.netns-prefix '" + p + "': 1-8 lower-case letters and digits");
        return p;
    }

    /** The node's own namespace. */
    public static String namespace(SandboxLayout.Node n) {
        return PREFIX + "-" + n.name();
    }

    /** The node's address on the back bridge: 10.213.1.1ID. */
    static String address(SandboxLayout.Node n) {
        return "10.213.1." + (10 + n.id());
    }

    /** Every namespace the sandbox makes itself (the balancer's own is made by LbMain). */
    static List<String> sandboxNamespaces() {
        List<String> all = new java.util.ArrayList<>();
        for (SandboxLayout.Node n : SandboxLayout.NODES) all.add(namespace(n));
        all.add(CLIENT_NAMESPACE);
        return all;
    }

    void store(Properties p) {
        p.setProperty("net_probe_interval", Integer.toString(probeInterval));
        p.setProperty("net_threshold", Integer.toString(threshold));
    }

    /** The net mode saved in p, or null for a loopback sandbox. */
    static NetMode load(Properties p) {
        String i = p.getProperty("net_probe_interval");
        return i == null ? null : new NetMode(Integer.parseInt(i), Integer.parseInt(p.getProperty("net_threshold", "1")));
    }
}
