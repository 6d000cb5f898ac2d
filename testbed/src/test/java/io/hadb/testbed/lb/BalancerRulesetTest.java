package io.hadb.testbed.lb;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BalancerRulesetTest {
    private static final Backend B1 = new Backend("b1", LbSettings.ipv4("10.213.1.11"), ProbeSpec.tcp(3307));
    private static final Backend B2 = new Backend("b2", LbSettings.ipv4("10.213.1.12"), ProbeSpec.http(8080, "/health"));
    private static final Backend B3 = new Backend("b3", LbSettings.ipv4("10.213.1.13"), ProbeSpec.tcp(3307));
    private static final List<Backend> POOL = List.of(B1, B2, B3);

    @Test
    void newFlowsGoOnlyToBackendsMarkedUpInPoolOrder() {
        assertEquals(List.of(B1, B3), BalancerRuleset.targets(POOL, Set.of("b3", "b1"), NoBackendUpPolicy.ALL_PROBED_DOWN));
        assertEquals(List.of(B2), BalancerRuleset.targets(POOL, Set.of("b2", "unknown"), NoBackendUpPolicy.ALL_PROBED_UP));
    }

    @Test
    void withNoneUpAllProbedDownGivesNoTargetAndAllProbedUpGivesAll() {
        assertEquals(List.of(), BalancerRuleset.targets(POOL, Set.of(), NoBackendUpPolicy.ALL_PROBED_DOWN));
        assertEquals(POOL, BalancerRuleset.targets(POOL, Set.of(), NoBackendUpPolicy.ALL_PROBED_UP));
    }

    @Test
    void rulesetHashesNewFlowsOverTheTargetsAndReplacesTheTableAtomically() {
        String t = BalancerRuleset.render(LbSettings.defaults(3306), List.of(B1, B3));
        String[] lines = t.split("\n");
        assertEquals("table ip hadb_lb", lines[0]);
        assertEquals("delete table ip hadb_lb", lines[1]);
        assertTrue(t.contains("ip daddr 10.213.0.100 tcp dport 3306 counter dnat to jhash ip saddr . tcp sport . ip daddr . tcp dport"
                + " mod 2 map { 0 : 10.213.1.11, 1 : 10.213.1.13 }"), t);
        assertTrue(t.contains("ct state new tcp flags & (fin|syn|rst|ack) != syn drop"), t);
        assertTrue(t.contains("type filter hook input priority filter; policy accept;\n    ip daddr 10.213.0.100 counter drop"), t);
        assertTrue(t.contains("ct status dnat accept"), t);
        assertEquals(t.chars().filter(c -> c == '{').count(), t.chars().filter(c -> c == '}').count(), "balanced braces");
    }

    @Test
    void rulesetWithoutTargetsHasNoTranslationSoSynsEndInTheSilentDrop() {
        String t = BalancerRuleset.render(LbSettings.defaults(3306), List.of());
        assertFalse(t.contains("dnat to"), t);
        assertTrue(t.contains("ip daddr 10.213.0.100 counter drop"), t);
    }
}
