package io.hadb.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.protocol.NodeRole;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ConfigParserTest {
    static final String GOOD = """
            cluster_id = "prod-db"
            node = "hadb01"
            key_file = "/etc/hadb/authkey"
            data_dir = "/var/lib/hadb"
            port = 5405
            [timings]
            heartbeat_ms = 100
            failure_timeout_ms = 500
            lease_ms = 1000
            stop_margin_ms = 250
            max_clock_drift = 0.01
            election_jitter_ms = 150
            [fencing]
            enabled = false
            unsafe_no_fencing = false
            [mysql]
            anything = "later"
            [[nodes]]
            name = "hadb01"
            id = 1
            role = "data"
            votes = 1
            addresses = ["10.0.0.1", "10.1.0.1:6000"]
            fence_delay_ms = 0
            [[nodes]]
            name = "hadb02"
            id = 2
            addresses = ["10.0.0.2", "10.1.0.2"]
            [[nodes]]
            name = "witness"
            id = 3
            role = "witness"
            addresses = ["[::1]:7000"]
            """;

    @Test
    void readsTheDocumentedLayout() throws Exception {
        AgentConfig c = ConfigParser.parse(GOOD, null);
        assertEquals("prod-db", c.cluster().clusterId());
        assertEquals(1, c.self());
        assertEquals(2, c.me().links());
        assertEquals(new InetSocketAddress("10.1.0.1", 6000), c.address(1, 1));
        assertEquals(new InetSocketAddress("10.0.0.2", 5405), c.address(2, 0));
        assertEquals(7000, c.address(3, 0).getPort());
        assertEquals(NodeRole.WITNESS, c.cluster().node(3).role());
        assertEquals(2, ConfigParser.parse(GOOD, "hadb02").self());
        assertEquals(1000, c.cluster().timings().leaseMs());
    }

    static ConfigException refused(String toml, String node) {
        return assertThrows(ConfigException.class, () -> ConfigParser.parse(toml, node));
    }

    static void refusedAt(String key, String toml) {
        ConfigException e = refused(toml, null);
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
    }

    @Test
    void eachBadKeyIsNamed() {
        refusedAt("cluster_id", GOOD.replace("cluster_id = \"prod-db\"\n", ""));
        refusedAt("cluster_id", GOOD.replace("\"prod-db\"", "\"" + "x".repeat(65) + "\""));
        refusedAt("port", GOOD.replace("port = 5405", "port = 70000"));
        refusedAt("port", GOOD.replace("port = 5405", "port = \"5405\""));
        refusedAt("timings.lease_ms", GOOD.replace("lease_ms = 1000", "lease_ms = 200"));
        refusedAt("timings.heartbeat_ms", GOOD.replace("heartbeat_ms = 100", "heartbeat_ms = 1.5"));
        refusedAt("timings.failure_timeout_ms", GOOD.replace("failure_timeout_ms = 500", "failure_timeout_ms = 150"));
        refusedAt("timings.stop_margin_ms", GOOD.replace("stop_margin_ms = 250", "stop_margin_ms = 1000"));
        refusedAt("timings.max_clock_drift", GOOD.replace("max_clock_drift = 0.01", "max_clock_drift = 0.5"));
        refusedAt("fencing.enabled", GOOD.replace("enabled = false", "enabled = \"no\""));
        refusedAt("nodes[1].id", GOOD.replace("id = 2", "id = 0"));
        refusedAt("nodes[1].addresses[1]", GOOD.replace("\"10.1.0.2\"", "\"db2.example.com\""));
        refusedAt("nodes[1].addresses[1]", GOOD.replace("\"10.1.0.2\"", "\"10.1.0.1:6000\""));
        refusedAt("nodes[1].addresses", GOOD.replace("[\"10.0.0.2\", \"10.1.0.2\"]", "[]"));
        refusedAt("nodes[2].role", GOOD.replace("role = \"witness\"", "role = \"arbiter\""));
        refusedAt("nodes[0].name", GOOD.replace("name = \"hadb01\"\n", ""));
        refusedAt("nodes", GOOD.replace("id = 2", "id = 1"));
        refusedAt("node", GOOD.replace("node = \"hadb01\"", "node = \"hadb09\""));
        refusedAt("mysql", "mysql = 3\n" + GOOD.replace("[mysql]\nanything = \"later\"\n", ""));
    }

    @Test
    void unknownKeysAreErrorsWithAHint() {
        ConfigException e = refused(GOOD.replace("heartbeat_ms = 100", "heartbeat = 100"), null);
        assertEquals("timings.heartbeat", e.key());
        assertTrue(e.getMessage().contains("did you mean timings.heartbeat_ms"), e.getMessage());
        e = refused(GOOD.replace("port = 5405", "port = 5405\nclusterid = \"x\""), null);
        assertTrue(e.getMessage().contains("did you mean cluster_id"), e.getMessage());
        e = refused(GOOD.replace("fence_delay_ms = 0", "fence_dlay_ms = 0"), null);
        assertEquals("nodes[0].fence_dlay_ms", e.key());
        e = refused(GOOD + "\n[sandbox]\nx = 1\n", null);
        assertEquals("sandbox", e.key());
    }

    @Test
    void twoDataNodesWithoutWitnessOrFencingAreRefusedUnlessUnsafe() throws Exception {
        String two = GOOD.substring(0, GOOD.indexOf("[[nodes]]\nname = \"witness\""));
        ConfigException e = refused(two, null);
        assertEquals("fencing", e.key());
        ConfigParser.parse(two.replace("unsafe_no_fencing = false", "unsafe_no_fencing = true"), null);
        ConfigParser.parse(two.replace("enabled = false", "enabled = true"), null);
    }

    @Test
    void syntaxErrorsAndAnUnknownNodeOverrideAreReported() {
        ConfigException e = refused("cluster_id = \n", null);
        assertTrue(e.getMessage().contains("not valid TOML"), e.getMessage());
        assertEquals("--node", refused(GOOD, "nobody").key());
    }
}
