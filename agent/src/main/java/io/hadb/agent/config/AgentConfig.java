package io.hadb.agent.config;

import io.hadb.protocol.ClusterConfig;
import io.hadb.protocol.NodeSpec;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A validated agent configuration.
 *
 * @param cluster   the protocol's view: cluster id, nodes, timings, fencing
 * @param self      this node's id
 * @param keyFile   the shared key
 * @param dataDir   where the state file and the control socket live
 * @param addresses each node's address per link (index = link)
 */
public record AgentConfig(ClusterConfig cluster, int self, Path keyFile, Path dataDir,
                          Map<Integer, List<InetSocketAddress>> addresses) {
    public AgentConfig {
        addresses = Map.copyOf(addresses);
    }

    public NodeSpec me() {
        return cluster.node(self);
    }

    /** This node's own addresses, one per link: the sockets it binds. */
    public List<InetSocketAddress> localAddresses() {
        return addresses.get(self);
    }

    public InetSocketAddress address(int node, int link) {
        return addresses.get(node).get(link);
    }

    public Path controlSocket() {
        return dataDir.resolve("control.sock");
    }

    public Path stateFile() {
        return dataDir.resolve("state");
    }
}
