package io.hadb.protocol;

/**
 * One configured node.
 *
 * @param id            stable id, 1..65535, unique in the cluster
 * @param name          operator-facing name (hadb01)
 * @param role          data node or witness
 * @param votes         votes it carries (usually 1)
 * @param links         how many links (NICs) it is reachable on, 1 or 2
 * @param fenceDelayMs  how long it waits before fencing its peer (two-node clusters without a witness),
 *                      so that the two do not fence each other at once
 */
public record NodeSpec(int id, String name, NodeRole role, int votes, int links, long fenceDelayMs) {
    public NodeSpec {
        if (id < 1 || id > 65535) throw new IllegalArgumentException("node id must be 1..65535, got " + id);
        if (name == null || name.isBlank()) throw new IllegalArgumentException("node " + id + " has no name");
        if (votes < 0) throw new IllegalArgumentException("node " + name + ": votes must be >= 0");
        if (links < 1 || links > 2) throw new IllegalArgumentException("node " + name + ": links must be 1 or 2");
        if (fenceDelayMs < 0) throw new IllegalArgumentException("node " + name + ": fence delay must be >= 0");
    }

    public boolean isData() {
        return role == NodeRole.DATA;
    }
}
