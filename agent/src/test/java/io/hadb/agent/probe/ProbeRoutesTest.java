package io.hadb.agent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hadb.agent.drbd.DrbdConnectionState;
import io.hadb.agent.drbd.DrbdDiskState;
import io.hadb.agent.drbd.DrbdRole;
import io.hadb.agent.mysql.HealthStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ProbeRoutesTest {
    static NodeState state(DrbdRole role, DrbdDiskState disk, DrbdConnectionState conn) {
        return new NodeState("node1", "replica", 4, "node2", true, Duration.ofMillis(1800), role, disk, conn, 4096,
                HealthStatus.STOPPED, Instant.now());
    }

    private final AtomicBoolean master = new AtomicBoolean();
    private final AtomicReference<NodeState> current = new AtomicReference<>(NodeState.unknown("node1"));
    private final ProbeRoutes routes = new ProbeRoutes(master::get, current::get, () -> "hadb_term 4\n");

    @Test
    void masterIs200OnlyWhileTheProbeIsHealthy() {
        assertEquals(503, routes.answer("GET", "/master").status());
        master.set(true);
        assertEquals(200, routes.answer("GET", "/master").status());
        assertEquals(200, routes.answer("HEAD", "/master").status());
        master.set(false);
        assertEquals(503, routes.answer("HEAD", "/master").status());
    }

    @Test
    void replicaIs200OnlyWhenSecondaryUpToDateAndConnected() {
        current.set(state(DrbdRole.SECONDARY, DrbdDiskState.UPTODATE, DrbdConnectionState.CONNECTED));
        assertEquals(200, routes.answer("GET", "/replica").status());
        current.set(state(DrbdRole.PRIMARY, DrbdDiskState.UPTODATE, DrbdConnectionState.CONNECTED));
        assertEquals(503, routes.answer("GET", "/replica").status());
        current.set(state(DrbdRole.SECONDARY, DrbdDiskState.INCONSISTENT, DrbdConnectionState.CONNECTED));
        assertEquals(503, routes.answer("GET", "/replica").status());
        current.set(state(DrbdRole.SECONDARY, DrbdDiskState.OUTDATED, DrbdConnectionState.CONNECTED));
        assertEquals(503, routes.answer("GET", "/replica").status());
        current.set(state(DrbdRole.SECONDARY, DrbdDiskState.UPTODATE, DrbdConnectionState.CONNECTING));
        assertEquals(503, routes.answer("GET", "/replica").status());
        current.set(state(DrbdRole.SECONDARY, DrbdDiskState.UPTODATE, DrbdConnectionState.STANDALONE));
        assertEquals(503, routes.answer("GET", "/replica").status());
    }

    @Test
    void healthIsAJsonObjectOfTheState() throws Exception {
        current.set(state(DrbdRole.SECONDARY, DrbdDiskState.UPTODATE, DrbdConnectionState.CONNECTED));
        ProbeRoutes.Answer a = routes.answer("GET", "/health");
        assertEquals(200, a.status());
        assertEquals("application/json", a.contentType());
        JsonNode j = HealthJson.MAPPER.readTree(a.body());
        assertEquals("node1", j.get("node").asText());
        assertEquals("replica", j.get("role").asText());
        assertEquals(4, j.get("term").asLong());
        assertEquals("node2", j.get("master").asText());
        assertTrue(j.get("quorum").asBoolean());
        assertEquals(1800, j.get("lease_remaining_ms").asLong());
        assertEquals(false, j.get("probe_healthy").asBoolean());
        assertTrue(j.get("replica_ready").asBoolean());
        assertEquals("Secondary", j.at("/drbd/role").asText());
        assertEquals("UpToDate", j.at("/drbd/disk").asText());
        assertEquals("Connected", j.at("/drbd/connection").asText());
        assertEquals(4096, j.at("/drbd/out_of_sync_bytes").asLong());
        assertEquals("stopped", j.at("/mysqld/status").asText());
        assertTrue(j.get("state_age_ms").asLong() >= 0);

        current.set(NodeState.unknown("node1"));
        JsonNode u = HealthJson.MAPPER.readTree(routes.answer("GET", "/health").body());
        assertTrue(u.get("master").isNull(), "no master is null, not an empty name");
    }

    @Test
    void metricsAreServedInPrometheusTextFormatOnlyWhenASourceIsGiven() {
        ProbeRoutes.Answer a = routes.answer("GET", "/metrics");
        assertEquals(200, a.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", a.contentType());
        assertEquals("hadb_term 4\n", new String(a.body(), StandardCharsets.UTF_8));
        assertEquals(404, new ProbeRoutes(master::get, current::get, null).answer("GET", "/metrics").status());
    }

    @Test
    void unknownPathsAre404AndOtherMethods405() {
        assertEquals(404, routes.answer("GET", "/").status());
        assertEquals(404, routes.answer("GET", "/master/").status());
        assertEquals(404, routes.answer("GET", "/MASTER").status());
        assertEquals(405, routes.answer("POST", "/master").status());
        assertEquals(405, routes.answer("DELETE", "/health").status());
    }
}
