package io.hadb.testbed.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The net mode's pure parts: layout round trip, agent configs on backend addresses, fault names, the drill's arithmetic. */
class NetModeTest {
    private static SandboxLayout net(Path dir) {
        return new SandboxLayout(dir, Path.of("/repo"), 3306, 6001, 6002, 5405, true, new NetMode(1, 2));
    }

    @Test
    void netModeSurvivesSaveAndLoadAndLoopbackStaysLoopback() throws Exception {
        Path dir = Files.createTempDirectory("hadb-netmode");
        try {
            net(dir).save();
            SandboxLayout back = SandboxLayout.load(dir).orElseThrow();
            assertEquals(new NetMode(1, 2), back.net());
            assertEquals("10.213.1.12", back.address(SandboxLayout.node("hadb02")));
            new SandboxLayout(dir, Path.of("/repo"), 3306, 6001, 6002, 5405, true).save();
            SandboxLayout loop = SandboxLayout.load(dir).orElseThrow();
            assertNull(loop.net());
            assertEquals("127.0.0.2", loop.address(SandboxLayout.node("hadb02")));
        } finally {
            for (Path p : List.of(dir.resolve("sandbox.properties"), dir)) Files.deleteIfExists(p);
        }
    }

    @Test
    void agentConfigsUseTheBackendAddressesAndALocalPidFile() {
        SandboxLayout l = net(Path.of("/tmp/sb"));
        String toml = SandboxConfigs.agentToml(l, "hadb01", Map.of());
        assertTrue(toml.contains("host = \"10.213.1.11\""), toml);
        assertTrue(toml.contains("--bind-address=10.213.1.11"), toml);
        assertTrue(toml.contains("addresses = [\"10.213.1.13:5405\"]"), toml);
        assertFalse(toml.contains("127.0.0."), toml);
        assertTrue(toml.contains("pid_file = \"/tmp/sb/hadb01/mysqld.pid\""), toml);
        String loop = SandboxConfigs.agentToml(new SandboxLayout(Path.of("/tmp/sb"), Path.of("/repo"), 3306, 6001, 6002, 5405, true),
                "hadb01", Map.of());
        assertTrue(loop.contains("pid_file = \"/tmp/sb/hadb01/mnt/mysql/mysqld.pid\""), loop);
    }

    @Test
    void badSettingsAndNamesAreRefusedByName() {
        assertThrows(IllegalArgumentException.class, () -> new NetMode(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new NetMode(5, 11));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaultKind.parse("meltdown"));
        assertTrue(e.getMessage().contains("mysqld-crash"), e.getMessage());
        for (FaultKind k : FaultKind.values()) assertEquals(k, FaultKind.parse(k.cliName()));
    }

    @Test
    void longestGapCountsTheEdgesOfTheWindow() {
        List<DrillWriter.Ack> acks = List.of(new DrillWriter.Ack(1, 100, "hadb01"), new DrillWriter.Ack(2, 150, "hadb01"),
                new DrillWriter.Ack(3, 900, "hadb02"), new DrillWriter.Ack(4, 950, "hadb02"));
        assertEquals(750, Drill.longestGap(acks, 100, 1000));
        assertEquals(1050, Drill.longestGap(acks, 0, 2000), "from the last acknowledgement to the end of the window");
        assertEquals(300, Drill.longestGap(List.of(), 100, 400), "no acknowledgement at all: the whole window");
        assertEquals(900, Drill.gapEnd(acks, 100, 1000), "the commit that ended the longest stretch");
        assertEquals(-1, Drill.gapEnd(acks, 950, 2000), "none after the window's start");
    }

    private static List<DrillWriter.Ack> acks(String... nodes) {
        List<DrillWriter.Ack> a = new java.util.ArrayList<>();
        for (int i = 0; i < nodes.length; i++) a.add(new DrillWriter.Ack(i + 1, (i + 1) * 100L, nodes[i]));
        return a;
    }

    @Test
    void anAcknowledgementByTheOldMasterAfterTheNewOnesFirstIsCaught() {
        assertEquals(0, AckOrder.byNonMaster(acks("hadb01", "hadb01", "hadb02", "hadb02"), 0, 1000, "hadb01", "hadb02"));
        assertEquals(1, AckOrder.byNonMaster(acks("hadb01", "hadb02", "hadb01", "hadb02"), 0, 1000, "hadb01", "hadb02"),
                "the old master acknowledged after the new one had");
        assertEquals(2, AckOrder.byNonMaster(acks("hadb01", "hadb02", "hadb02"), 0, 1000, "hadb01", "hadb01"),
                "no failover: the peer acknowledged nothing legitimately");
        assertEquals(1, AckOrder.byNonMaster(acks("hadb01", "?", "hadb01"), 0, 1000, "hadb01", "hadb01"),
                "an acknowledgement whose node is unknown is not evidence of a master");
        assertEquals(0, AckOrder.byNonMaster(acks("hadb02", "hadb01", "hadb01"), 150, 1000, "hadb01", "hadb01"),
                "only the trial's window counts");
        assertEquals(0, AckOrder.byNonMaster(acks("hadb02", "hadb02"), 0, 1000, "?", "hadb02"), "no master known at the start");
    }

    @Test
    void balancerEventLinesReadBackAndTheMarksAreFound() {
        var down = new io.hadb.testbed.lb.LbEvent(1_234_567_000_000L, io.hadb.testbed.lb.LbEvent.Kind.STATE, "hadb01",
                "DOWN after 1 failure(s)");
        var parsed = io.hadb.testbed.lb.LbEvent.parse(down.line());
        assertEquals(down, parsed);
        var rules = io.hadb.testbed.lb.LbEvent.parse("mono=12.500 RULES - new flows: none, new SYNs are dropped silently");
        assertEquals(null, rules.backend());
        assertEquals("new flows: none, new SYNs are dropped silently", rules.detail());
        assertThrows(IllegalArgumentException.class, () -> io.hadb.testbed.lb.LbEvent.parse("mono=x STATE hadb01 UP"));
        assertThrows(IllegalArgumentException.class, () -> io.hadb.testbed.lb.LbEvent.parse("garbage"));
        List<io.hadb.testbed.lb.LbEvent> events = List.of(
                io.hadb.testbed.lb.LbEvent.parse("mono=10.000 STATE hadb01 UP after 1 success(es)"),
                io.hadb.testbed.lb.LbEvent.parse("mono=20.000 PROBE hadb01 FAILED_AT_ONCE (refused)"),
                io.hadb.testbed.lb.LbEvent.parse("mono=20.000 STATE hadb01 DOWN after 1 failure(s)"),
                io.hadb.testbed.lb.LbEvent.parse("mono=23.000 STATE hadb02 UP after 1 success(es)"));
        assertEquals(20_000_000_000L, Drill.marked(events, "hadb01", false, 15_000_000_000L));
        assertEquals(23_000_000_000L, Drill.marked(events, "hadb02", true, 21_000_000_000L));
        assertEquals(-1, Drill.marked(events, "hadb01", true, 15_000_000_000L), "not marked up again");
        assertEquals(-1, Drill.marked(events, "hadb02", true, 24_000_000_000L), "nothing after");
    }

    @Test
    void clientModesParse() {
        assertEquals(ClientMode.KERNEL_DEFAULT, ClientMode.parse("kernel"));
        assertEquals(ClientMode.FIXED_RETRY, ClientMode.parse("fixed"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClientMode.parse("patient"));
        assertTrue(e.getMessage().contains("kernel"), e.getMessage());
    }

    @Test
    void aSeededRandomPlanRepeatsAndAFixedPlanIsThatFault() {
        assertEquals(Drill.plan(Optional.empty(), 20, 7), Drill.plan(Optional.empty(), 20, 7));
        assertEquals(List.of(FaultKind.DISK, FaultKind.DISK), Drill.plan(Optional.of(FaultKind.DISK), 2, 1));
    }
}
