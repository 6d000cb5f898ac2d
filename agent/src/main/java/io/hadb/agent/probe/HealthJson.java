package io.hadb.agent.probe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;

/** The body of GET /health: the node's state as a JSON object, built with the tree model. */
final class HealthJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private HealthJson() {}

    static ObjectNode of(NodeState s, boolean probeHealthy, Instant now) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("node", s.node());
        o.put("role", s.role());
        o.put("term", s.term());
        if (s.master().isEmpty()) o.putNull("master");
        else o.put("master", s.master());
        o.put("quorum", s.quorum());
        o.put("lease_remaining_ms", s.leaseRemaining().toMillis());
        o.put("probe_healthy", probeHealthy);
        o.put("replica_ready", s.isServingReplica());
        ObjectNode drbd = o.putObject("drbd");
        drbd.put("role", s.drbdRole().text());
        drbd.put("disk", s.drbdDisk().text());
        drbd.put("connection", s.drbdConnection().text());
        drbd.put("out_of_sync_bytes", s.outOfSyncBytes());
        o.putObject("mysqld").put("status", s.mysqld().name().toLowerCase());
        // a reader can tell a wedged agent (old snapshot) from a healthy one
        o.put("state_age_ms", Math.max(0, Duration.between(s.observedAt(), now).toMillis()));
        return o;
    }
}
