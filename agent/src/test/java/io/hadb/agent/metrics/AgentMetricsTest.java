package io.hadb.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.drbd.DrbdConnectionState;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdRole;
import io.hadb.agent.mysql.HealthStatus;
import io.hadb.protocol.wire.DropReason;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {

    private static AgentMetrics updated() {
        AgentMetrics m = new AgentMetrics();
        m.role("MASTER");
        m.term(7);
        m.quorum(true);
        m.peerUp("node2", 0, true);
        m.peerUp("node2", 1, false);
        m.peerUp("witness", 0, true);
        m.leaseRemaining(Duration.ofMillis(2500));
        m.drbd(DrbdRole.PRIMARY, DrbdDiskState.UPTODATE, DrbdConnectionState.CONNECTED, 65536);
        m.mysqld(HealthStatus.HEALTHY);
        m.mysqldQuery(Duration.ofMillis(3));
        m.probeHealthy(true);
        m.probeGateActive(true);
        m.transition("lease_lost");
        m.step("mount", Duration.ofMillis(40));
        m.datagramDropped(DropReason.BAD_MAC);
        m.leaseStop(Duration.ofMillis(300), false);
        return m;
    }

    @Test
    void everyMetricAppearsWithItsPrometheusNameAndType() {
        Scrape s = Scrape.parse(updated().scrape());
        Map<String, String> expected = Map.ofEntries(
                Map.entry("hadb_role", "gauge"),
                Map.entry("hadb_term", "gauge"),
                Map.entry("hadb_quorum", "gauge"),
                Map.entry("hadb_peer_up", "gauge"),
                Map.entry("hadb_lease_remaining_seconds", "gauge"),
                Map.entry("hadb_drbd_role", "gauge"),
                Map.entry("hadb_drbd_disk_state", "gauge"),
                Map.entry("hadb_drbd_connection_state", "gauge"),
                Map.entry("hadb_drbd_out_of_sync_bytes", "gauge"),
                Map.entry("hadb_mysqld_health", "gauge"),
                Map.entry("hadb_mysqld_query_latency_seconds", "summary"),
                Map.entry("hadb_probe_healthy", "gauge"),
                Map.entry("hadb_probe_gate_active", "gauge"),
                Map.entry("hadb_transitions_total", "counter"),
                Map.entry("hadb_step_duration_seconds", "summary"),
                Map.entry("hadb_datagrams_dropped_total", "counter"),
                Map.entry("hadb_lease_stop_duration_seconds", "summary"),
                Map.entry("hadb_lease_stop_late_total", "counter"));
        for (var e : expected.entrySet())
            assertEquals(e.getValue(), s.types().get(e.getKey()), e.getKey() + " in " + s.types());
        for (String name : s.types().keySet())
            assertTrue(name.startsWith("hadb_"), "only hadb_ metrics are exported, found " + name);
    }

    @Test
    void gaugesCarryTheLastValuesAndTheirLabels() {
        Scrape s = Scrape.parse(updated().scrape());
        assertEquals(1, s.value("hadb_role{role=\"master\"}"));
        assertEquals(0, s.value("hadb_role{role=\"replica\"}"));
        assertEquals(0, s.value("hadb_role{role=\"unknown\"}"));
        assertEquals(7, s.value("hadb_term"));
        assertEquals(1, s.value("hadb_quorum"));
        assertEquals(1, s.value("hadb_peer_up{link=\"0\",peer=\"node2\"}"));
        assertEquals(0, s.value("hadb_peer_up{link=\"1\",peer=\"node2\"}"));
        assertEquals(1, s.value("hadb_peer_up{link=\"0\",peer=\"witness\"}"));
        assertEquals(2.5, s.value("hadb_lease_remaining_seconds"), 1e-9);
        assertEquals(1, s.value("hadb_drbd_role{role=\"Primary\"}"));
        assertEquals(0, s.value("hadb_drbd_role{role=\"Secondary\"}"));
        assertEquals(1, s.value("hadb_drbd_disk_state{state=\"UpToDate\"}"));
        assertEquals(1, s.value("hadb_drbd_connection_state{state=\"Connected\"}"));
        assertEquals(65536, s.value("hadb_drbd_out_of_sync_bytes"));
        assertEquals(1, s.value("hadb_mysqld_health{status=\"healthy\"}"));
        assertEquals(0, s.value("hadb_mysqld_health{status=\"stopped\"}"));
        assertEquals(1, s.value("hadb_probe_healthy"));
        assertEquals(1, s.value("hadb_probe_gate_active"));
        assertEquals(1, s.value("hadb_mysqld_query_latency_seconds_count"));
        assertEquals(0.003, s.value("hadb_mysqld_query_latency_seconds_sum"), 1e-9);
        assertEquals(0.04, s.value("hadb_step_duration_seconds_sum{step=\"mount\"}"), 1e-9);
        assertEquals(1, s.value("hadb_lease_stop_duration_seconds_count"));
        assertEquals(0, s.value("hadb_lease_stop_late_total"));
    }

    @Test
    void stateGaugesHaveExactlyOneValueSetAfterEveryChange() {
        AgentMetrics m = new AgentMetrics();
        String[] families = {"hadb_role", "hadb_drbd_role", "hadb_drbd_disk_state", "hadb_drbd_connection_state",
                "hadb_mysqld_health"};
        for (String f : families) assertEquals(1, sumOf(Scrape.parse(m.scrape()), f), f + " at start");
        m.role("replica");
        m.role("candidate");
        m.role("demoting"); // a role the metrics did not know of is added, not dropped
        m.drbd(DrbdRole.SECONDARY, DrbdDiskState.INCONSISTENT, DrbdConnectionState.CONNECTING, 1);
        m.drbd(DrbdRole.SECONDARY, DrbdDiskState.UPTODATE, DrbdConnectionState.CONNECTED, 0);
        m.mysqld(HealthStatus.STARTING);
        m.mysqld(HealthStatus.FAILED);
        Scrape s = Scrape.parse(m.scrape());
        for (String f : families) assertEquals(1, sumOf(s, f), f + " after changes");
        assertEquals(1, s.value("hadb_role{role=\"demoting\"}"));
        assertEquals(0, s.value("hadb_role{role=\"candidate\"}"));
        assertEquals(1, s.value("hadb_drbd_disk_state{state=\"UpToDate\"}"));
        assertEquals(0, s.value("hadb_drbd_disk_state{state=\"Inconsistent\"}"));
        assertEquals(1, s.value("hadb_mysqld_health{status=\"failed\"}"));
    }

    @Test
    void countersStartAtZeroAndIncreaseByLabel() {
        AgentMetrics m = new AgentMetrics();
        Scrape before = Scrape.parse(m.scrape());
        for (DropReason r : DropReason.values())
            assertEquals(0, before.value("hadb_datagrams_dropped_total{reason=\"" + r.name().toLowerCase() + "\"}"));
        assertEquals(0, before.value("hadb_lease_stop_late_total"));

        m.datagramDropped(DropReason.REPLAY);
        m.datagramDropped(DropReason.REPLAY);
        m.datagramDropped(DropReason.OTHER_CLUSTER);
        m.transition("lease_lost");
        m.transition("switchover");
        m.transition("switchover");
        m.step("drbd_primary", Duration.ofMillis(10));
        m.step("drbd_primary", Duration.ofMillis(30));
        m.leaseStop(Duration.ofMillis(900), true);
        m.leaseStop(Duration.ofMillis(100), false);
        Scrape s = Scrape.parse(m.scrape());
        assertEquals(2, s.value("hadb_datagrams_dropped_total{reason=\"replay\"}"));
        assertEquals(1, s.value("hadb_datagrams_dropped_total{reason=\"other_cluster\"}"));
        assertEquals(0, s.value("hadb_datagrams_dropped_total{reason=\"bad_mac\"}"));
        assertEquals(1, s.value("hadb_transitions_total{reason=\"lease_lost\"}"));
        assertEquals(2, s.value("hadb_transitions_total{reason=\"switchover\"}"));
        assertEquals(2, s.value("hadb_step_duration_seconds_count{step=\"drbd_primary\"}"));
        assertEquals(0.04, s.value("hadb_step_duration_seconds_sum{step=\"drbd_primary\"}"), 1e-9);
        assertEquals(0.03, s.value("hadb_step_duration_seconds_max{step=\"drbd_primary\"}"), 1e-9);
        assertEquals(1, s.value("hadb_lease_stop_late_total"));
        assertEquals(2, s.value("hadb_lease_stop_duration_seconds_count"));

        m.datagramDropped(DropReason.REPLAY);
        assertEquals(3, Scrape.parse(m.scrape()).value("hadb_datagrams_dropped_total{reason=\"replay\"}"));
    }

    @Test
    void negativeLeaseIsReportedAsZero() {
        AgentMetrics m = new AgentMetrics();
        m.leaseRemaining(Duration.ofMillis(-40));
        assertEquals(0, Scrape.parse(m.scrape()).value("hadb_lease_remaining_seconds"));
    }

    private static double sumOf(Scrape s, String family) {
        return s.samples().entrySet().stream().filter(e -> e.getKey().startsWith(family + "{"))
                .mapToDouble(Map.Entry::getValue).sum();
    }
}
