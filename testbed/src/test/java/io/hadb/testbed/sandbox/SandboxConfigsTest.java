package io.hadb.testbed.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.hadb.agent.config.AgentConfig;
import io.hadb.agent.config.ConfigParser;
import io.hadb.agent.config.ResourceConfig;
import io.hadb.agent.config.ResourceConfigParser;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The generated agent configurations are what the agent's own parsers accept, with the sandbox's values. */
class SandboxConfigsTest {
    private final SandboxLayout layout = new SandboxLayout(Path.of("/tmp/sb \"quoted\" dir"), Path.of("/repo"), 23306,
            26001, 26002, 25405, true);
    private final Map<String, String> env = Map.of("HADB_EMU_NODE", "hadb02", "HADB_EMU_DIR", "/x/state");

    @Test
    void dataNodeConfigParsesWithEveryResourceOnItsOwnAddress() throws Exception {
        String toml = SandboxConfigs.agentToml(layout, "hadb02", env);
        AgentConfig cfg = ConfigParser.parse(toml, null);
        assertEquals("hadb02", cfg.me().name());
        assertEquals(3, cfg.cluster().nodes().size());
        assertEquals(layout.nodeDir("hadb02"), cfg.dataDir());
        assertEquals(layout.controlSocket("hadb02"), cfg.controlSocket());
        assertEquals("127.0.0.2", cfg.localAddresses().get(0).getAddress().getHostAddress());
        assertEquals(25405, cfg.localAddresses().get(0).getPort());

        ResourceConfig r = ResourceConfigParser.parse(toml, "hadb02").orElseThrow();
        assertEquals("r0", r.drbdResource());
        assertEquals(env, r.drbd().env());
        assertEquals(layout.bin().resolve("drbdadm").toString(), r.drbd().drbdadm());
        assertEquals(layout.mountpoint("hadb02"), r.filesystem().mountpoint());
        assertEquals(23306, r.mysql().port());
        assertEquals("127.0.0.2", r.mysql().host());
        assertTrue(r.mysql().datadir().startsWith(layout.mountpoint("hadb02")), "datadir on the replicated filesystem");
        assertTrue(r.mysql().pidFile().startsWith(layout.mountpoint("hadb02")));
        assertTrue(r.mysql().command().contains("--bind-address=127.0.0.2"));
        assertFalse(r.mysql().command().contains("--bind-address=127.0.0.1"));
        assertTrue(r.mysql().command().contains("--innodb-flush-log-at-trx-commit=1"));
        assertTrue(r.mysql().command().contains("--sync-binlog=1"));
        assertEquals("127.0.0.2", r.probeTcp().getAddress().getHostAddress());
        assertEquals(26001, r.probeTcp().getPort());
        assertEquals(26002, r.probeHttp().getPort());
    }

    @Test
    void witnessAndMembershipOnlyConfigsManageNoResources() throws Exception {
        assertEquals(Optional.empty(), ResourceConfigParser.parse(SandboxConfigs.agentToml(layout, "witness", env), "witness"));
        SandboxLayout membership = new SandboxLayout(layout.dir(), layout.root(), 23306, 26001, 26002, 25405, false);
        String toml = SandboxConfigs.agentToml(membership, "hadb01", env);
        assertEquals("hadb01", ConfigParser.parse(toml, null).me().name());
        assertEquals(Optional.empty(), ResourceConfigParser.parse(toml, "hadb01"));
    }

    @Test
    void quotingSurvivesTomlForAwkwardStrings() throws Exception {
        Map<String, String> odd = new LinkedHashMap<>();
        odd.put("A", "back\\slash \"quote\" tab\there\nnewline \u0001 ünï");
        JsonNode n = new TomlMapper().readTree("k = " + SandboxConfigs.q(odd.get("A")) + "\n");
        assertEquals(odd.get("A"), n.get("k").asText());
    }

    @Test
    void layoutRefusesClashingPortsAndUnknownNodes() {
        assertThrows(IllegalArgumentException.class, () -> new SandboxLayout(Path.of("/d"), Path.of("/r"), 6001, 6001, 6002, 5405, true));
        assertThrows(IllegalArgumentException.class, () -> new SandboxLayout(Path.of("/d"), Path.of("/r"), 3306, 6001, 6002, 0, true));
        assertThrows(IllegalArgumentException.class, () -> SandboxLayout.node("hadb03"));
    }

    @Test
    void statusTableShowsEachNodeAndFlagsTwoOpenProbes() throws Exception {
        ObjectMapper m = new ObjectMapper();
        Map<String, JsonNode> views = new LinkedHashMap<>();
        views.put("hadb01", m.readTree("{\"role\":\"master\",\"term\":4,\"leader\":\"hadb01\",\"serving\":true,\"quorate\":true,"
                + "\"leaseValid\":true,\"leaseRemainingMs\":900,\"peersUp\":[\"witness\"],"
                + "\"resources\":{\"goal\":\"serve\",\"mysql\":\"healthy\"}}"));
        views.put("hadb02", null);
        views.put("witness", null);
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("hadb01", 11L);
        pids.put("hadb02", null);
        pids.put("witness", 13L);
        Map<String, Boolean> probes = new LinkedHashMap<>();
        probes.put("hadb01", true);
        probes.put("hadb02", false);
        String one = StatusTable.render(views, pids, probes, 6001);
        assertTrue(one.lines().anyMatch(l -> l.startsWith("hadb01") && l.contains("master") && l.contains("900 ms")
                && l.contains("goal=serve mysql=healthy")), one);
        assertTrue(one.lines().anyMatch(l -> l.startsWith("hadb02") && l.contains("down")), one);
        assertTrue(one.lines().anyMatch(l -> l.startsWith("witness") && l.contains("no answer")), one);
        assertTrue(one.contains("open on: hadb01\n"), one);
        probes.put("hadb02", true);
        assertTrue(StatusTable.render(views, pids, probes, 6001).contains("MORE THAN ONE"));
    }

    @Test
    void procStatParsesCommandNamesWithSpacesAndParentheses() {
        String line = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 98765 1000 10 18446744073709551615";
        ProcessGroups.Stat s = ProcessGroups.Stat.parse(line);
        assertEquals('S', s.state());
        assertEquals(4242, s.pgrp());
        assertEquals(4242, s.session());
        assertEquals(98765, s.startTime());
        assertThrows(IllegalArgumentException.class, () -> ProcessGroups.Stat.parse("garbage"));
    }
}
