package io.hadb.agent.role;

import io.hadb.agent.drbd.DrbdResourceState;
import io.hadb.agent.mysql.HealthStatus;

/**
 * What the agent sees of its resources at one moment.
 *
 * @param drbd          the DRBD resource as events2 last told
 * @param mounted       the replicated filesystem is mounted
 * @param mysql         mysqld's health (STOPPED when no server process runs)
 * @param mysqlGaveUp   mysqld crashed more often than its in-place restarts allow
 * @param probeOpen     the load balancer's probe answers healthy
 * @param leaseExpired  this node's lease has certainly ended (no other node can still count on it to act)
 * @param forcedPromotion this node is master because an operator forced the promotion of its Outdated copy:
 *                      DRBD may promote a copy that is not UpToDate with {@code primary --force}
 */
public record Observed(DrbdResourceState drbd, boolean mounted, HealthStatus mysql, boolean mysqlGaveUp,
                       boolean probeOpen, boolean leaseExpired, boolean forcedPromotion) {

    /** @param forcedPromotion this node is master because an operator forced the promotion of its Outdated copy */
    public Observed(DrbdResourceState drbd, boolean mounted, HealthStatus mysql, boolean mysqlGaveUp,
                    boolean probeOpen, boolean leaseExpired) {
        this(drbd, mounted, mysql, mysqlGaveUp, probeOpen, leaseExpired, false);
    }
}
