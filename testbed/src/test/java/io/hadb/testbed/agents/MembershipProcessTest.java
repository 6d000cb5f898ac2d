package io.hadb.testbed.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real agents (two data nodes and a witness) on 127.0.0.1–3 inside a network namespace this test
 * creates: election, crash of the master, rejoin without taking the lease back, and a partition of the
 * master made with nftables inside the namespace. Every agent's status is sampled every ~10 ms throughout
 * and no two lease claims may ever overlap.
 */
class MembershipProcessTest {
    @TempDir
    Path dir;

    private final Map<String, AgentStatus> latest = new ConcurrentHashMap<>();

    @Test
    void electsFailsOverRejoinsAndStepsDownWhenCutOff() throws Exception {
        String ns = "hadbt" + ProcessHandle.current().pid();
        LeaseChecker checker = new LeaseChecker();
        try (LocalCluster c = new LocalCluster(dir, Launchers.classPath(), ns, new int[] {5405, 5405, 5405}, "");
             Sampler sampler = new Sampler(c, 10, List.of(checker::add, s -> latest.put(s.node(), s)))) {
            try {
                c.startAll();
                String first = awaitServing(null, 20_000);
                assertNotEquals("witness", first, "a witness never becomes master");

                // crash of the master: the other data node takes the lease
                c.kill9(first);
                latest.remove(first);
                String second = awaitServing(first, 15_000);
                assertNotEquals(first, second);
                assertNotEquals("witness", second);

                // the old master comes back and follows; it does not take the lease back
                c.start(first);
                await(() -> {
                    AgentStatus s = latest.get(first);
                    return s != null && second.equals(s.leader()) && s.peersUp().size() == 2;
                }, 20_000, first + " rejoins and follows " + second);
                long until = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < until) {
                    AgentStatus s = latest.get(first);
                    assertFalse(s != null && s.serving(), first + " took the lease back after rejoining");
                    Thread.sleep(20);
                }
                assertTrue(latest.get(second).serving(), second + " still serves");

                // cut the master off from both others, inside the namespace only
                String ip = c.member(second).ip;
                c.nft("table inet hadbpart {\n chain input {\n  type filter hook input priority 0; policy accept;\n"
                        + "  ip saddr " + ip + " ip daddr != " + ip + " drop\n"
                        + "  ip daddr " + ip + " ip saddr != " + ip + " drop\n }\n}\n");
                long cut = System.nanoTime();
                await(() -> latest.get(second) != null && !latest.get(second).serving()
                        && latest.get(second).monoNanos() > cut, 10_000, second + " stops serving when cut off");
                String third = awaitServing(second, 15_000);
                assertNotEquals(second, third);
                AgentStatus cutOff = c.status(second);
                assertNotNull(cutOff, second + " is still running");
                assertFalse(cutOff.serving(), second + " serves while cut off");
                // it gave its lease up before anyone else gained one
                long lastClaimOfCutOff = checker.claims().stream().filter(cl -> cl.node().equals(second))
                        .mapToLong(LeaseChecker.Claim::until).max().orElseThrow();
                long firstClaimOfNew = checker.claims().stream().filter(cl -> cl.node().equals(third) && cl.from() > cut)
                        .mapToLong(LeaseChecker.Claim::from).min().orElseThrow();
                assertTrue(lastClaimOfCutOff < firstClaimOfNew, "lease of " + second + " until " + lastClaimOfCutOff
                        + " overlaps the new lease of " + third + " from " + firstClaimOfNew);
            } catch (AssertionError | Exception e) {
                for (var m : c.members()) System.err.println("---- " + m.name + "\n" + c.log(m.name));
                throw e;
            }
            assertTrue(checker.size() > 100, "too few lease samples: " + checker.size());
            assertEquals(List.of(), checker.violations(), "two agents claimed a valid lease at the same moment");
        }
    }

    private String awaitServing(String notThis, long timeoutMs) throws InterruptedException {
        String[] found = new String[1];
        await(() -> {
            for (AgentStatus s : latest.values()) {
                if (s.serving() && !s.node().equals(notThis)) {
                    found[0] = s.node();
                    return true;
                }
            }
            return false;
        }, timeoutMs, "a master serving" + (notThis == null ? "" : " other than " + notThis));
        return found[0];
    }

    static void await(java.util.function.BooleanSupplier cond, long timeoutMs, String what) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (System.nanoTime() < end) {
            if (cond.getAsBoolean()) return;
            Thread.sleep(10);
        }
        fail("timed out after " + timeoutMs + " ms waiting for " + what);
    }

    static <T> Predicate<T> not(Predicate<T> p) {
        return p.negate();
    }
}
