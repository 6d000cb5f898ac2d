package io.hadb.agent.role;

/** What the cluster wants of this node's resources. */
public enum Goal {
    /** This node holds the lease: DRBD Primary, mounted, mysqld healthy, probe open. */
    SERVE,
    /** This node does not: probe closed, mysqld stopped, unmounted, DRBD Secondary and still connected. */
    RELEASE,
    /** Maintenance: no resource action at all, whatever is observed. */
    HOLD
}
