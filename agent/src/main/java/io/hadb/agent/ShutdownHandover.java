package io.hadb.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hadb.agent.systemd.SystemdNotifier;
import io.hadb.protocol.Intent;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * What a stopping agent does first when it is master (SIGTERM from systemd, an operator's stop): it asks for a
 * switchover and waits, for a bounded time, until its resources are released and another node is master — so a
 * planned stop is a clean hand-over, not a failover after a lease expires. When no other node can take over the
 * cluster refuses at once, and the agent simply stops (its resources stop with it).
 */
final class ShutdownHandover {
    private static final Logger LOG = Logger.getLogger("hadb.intent");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Agent agent;
    private final Duration bound;
    private final SystemdNotifier notifier;

    ShutdownHandover(Agent agent, Duration bound, SystemdNotifier notifier) {
        this.agent = agent;
        this.bound = bound;
        this.notifier = notifier;
    }

    void run() {
        long deadline = System.nanoTime() + bound.toNanos();
        try {
            JsonNode s = JSON.readTree(agent.statusAsync().get(5, TimeUnit.SECONDS));
            String self = s.path("node").asText();
            if (!"master".equals(s.path("role").asText())) {
                if (notifier != null) notifier.stopping("stopping (not master)");
                return;
            }
            if (notifier != null) notifier.stopping("stopping: handing the master role over first");
            LOG.info("stopping while master: asking for a switchover first (at most " + bound.toMillis() + " ms)");
            long start = System.nanoTime();
            Agent.IntentAnswer a = agent.intent(new Intent.Switchover(0)).get(bound.toMillis(), TimeUnit.MILLISECONDS);
            if (!a.accepted()) {
                LOG.warning("stopping without a hand-over: " + a.message());
                return;
            }
            // stay a voter until the new master is elected, so it does not need this node's lease to run out
            String leader = null;
            while (System.nanoTime() < deadline) {
                JsonNode now = JSON.readTree(agent.statusAsync().get(5, TimeUnit.SECONDS));
                leader = now.path("leader").isNull() ? null : now.path("leader").asText(null);
                if (leader != null && !leader.equals(self)) break;
                leader = null;
                Thread.sleep(20);
            }
            LOG.info("hand-over before stopping " + (leader != null ? "done: " + leader + " is master" : "released, no new master seen yet")
                    + " after " + (System.nanoTime() - start) / 1_000_000 + " ms");
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warning("stopping without a complete hand-over: no answer within " + bound.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warning("stopping without a hand-over: " + e);
        }
    }
}
