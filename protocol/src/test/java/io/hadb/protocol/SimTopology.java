package io.hadb.protocol;

import java.util.ArrayList;
import java.util.List;

/** The cluster shapes the simulation runs. */
public enum SimTopology {
    /** Two data nodes, no witness: a lost peer must be fenced before the survivor may lead. */
    TWO_NODE_FENCING("two-node-fencing"),
    /** Two data nodes and a vote-only witness. */
    WITNESS("witness"),
    /** Three data nodes. */
    THREE_DATA("three-data");

    public final String cliName;

    SimTopology(String cliName) {
        this.cliName = cliName;
    }

    public static SimTopology parse(String s) {
        for (SimTopology t : values()) if (t.cliName.equals(s) || t.name().equalsIgnoreCase(s)) return t;
        throw new IllegalArgumentException("unknown topology '" + s + "': use two-node-fencing, witness or three-data");
    }

    ClusterConfig config(Timings timings, boolean twoLinks) {
        int links = twoLinks ? 2 : 1;
        List<NodeSpec> nodes = new ArrayList<>();
        switch (this) {
            case TWO_NODE_FENCING -> {
                nodes.add(new NodeSpec(1, "hadb01", NodeRole.DATA, 1, links, 0));
                nodes.add(new NodeSpec(2, "hadb02", NodeRole.DATA, 1, links, 3000));
                return new ClusterConfig("sim", nodes, timings, true, false);
            }
            case WITNESS -> {
                nodes.add(new NodeSpec(1, "hadb01", NodeRole.DATA, 1, links, 0));
                nodes.add(new NodeSpec(2, "hadb02", NodeRole.DATA, 1, links, 0));
                nodes.add(new NodeSpec(3, "witness", NodeRole.WITNESS, 1, links, 0));
            }
            case THREE_DATA -> {
                nodes.add(new NodeSpec(1, "hadb01", NodeRole.DATA, 1, links, 0));
                nodes.add(new NodeSpec(2, "hadb02", NodeRole.DATA, 1, links, 0));
                nodes.add(new NodeSpec(3, "hadb03", NodeRole.DATA, 1, links, 0));
            }
        }
        return new ClusterConfig("sim", nodes, timings, false, false);
    }
}
