package io.hadb.protocol;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster as configured: the same on every node.
 *
 * @param clusterId    name of the cluster; datagrams of other clusters are dropped
 * @param nodes        every node, data nodes and witnesses
 * @param timings      protocol timings
 * @param fencing      whether a fencing agent is configured (two data nodes without a witness need one)
 * @param unsafeNoFencing the operator's explicit choice to run two data nodes with neither witness nor
 *                     fencing: a node that loses its peer then takes over as if fencing had succeeded,
 *                     which gives two masters on a network split
 */
public record ClusterConfig(String clusterId, List<NodeSpec> nodes, Timings timings, boolean fencing,
                            boolean unsafeNoFencing) {

    public ClusterConfig {
        nodes = List.copyOf(nodes);
        Optional<String> problem = problem(clusterId, nodes, fencing, unsafeNoFencing);
        if (problem.isPresent()) throw new IllegalArgumentException(problem.get());
    }

    private static Optional<String> problem(String clusterId, List<NodeSpec> nodes, boolean fencing,
                                            boolean unsafe) {
        if (clusterId == null || clusterId.isBlank()) return Optional.of("cluster id is empty");
        if (clusterId.getBytes(StandardCharsets.UTF_8).length > 64)
            return Optional.of("cluster id is longer than 64 bytes");
        if (nodes.isEmpty()) return Optional.of("no nodes configured");
        Set<Integer> ids = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (NodeSpec n : nodes) {
            if (!ids.add(n.id())) return Optional.of("node id " + n.id() + " is configured twice");
            if (!names.add(n.name())) return Optional.of("node name " + n.name() + " is configured twice");
        }
        long data = nodes.stream().filter(NodeSpec::isData).count();
        if (data == 0) return Optional.of("no data node configured (every node is a witness)");
        if (totalVotes(nodes) == 0) return Optional.of("no node has a vote");
        if (needsFencing(nodes) && !fencing && !unsafe)
            return Optional.of("two data nodes with neither a witness nor fencing would give two masters on a "
                    + "network split: add a witness, configure fencing, or set the unsafe flag explicitly");
        return Optional.empty();
    }

    private static int totalVotes(List<NodeSpec> nodes) {
        return nodes.stream().mapToInt(NodeSpec::votes).sum();
    }

    /** True when no majority can form without every node: the two-node case. */
    private static boolean needsFencing(List<NodeSpec> nodes) {
        int total = totalVotes(nodes);
        int quorum = total / 2 + 1;
        return nodes.stream().anyMatch(n -> total - n.votes() < quorum && n.votes() > 0) && nodes.size() == 2;
    }

    /** Two nodes, no majority without both: a lost peer must be fenced (or, unsafely, assumed gone). */
    public boolean twoNodeMode() {
        return needsFencing(nodes);
    }

    public int totalVotes() {
        return totalVotes(nodes);
    }

    /** A majority of the configured votes. */
    public int quorum() {
        return totalVotes() / 2 + 1;
    }

    public NodeSpec node(int id) {
        for (NodeSpec n : nodes) if (n.id() == id) return n;
        throw new IllegalArgumentException("unknown node id " + id);
    }

    public Optional<NodeSpec> find(int id) {
        return nodes.stream().filter(n -> n.id() == id).findFirst();
    }

    public Optional<NodeSpec> byName(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    public String name(int id) {
        return find(id).map(NodeSpec::name).orElse("node#" + id);
    }
}
