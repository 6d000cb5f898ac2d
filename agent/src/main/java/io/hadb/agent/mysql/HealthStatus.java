package io.hadb.agent.mysql;

/** What the health check concluded. */
public enum HealthStatus {
    /** Not started by this driver, or stopped on purpose. */
    STOPPED,
    /** The process is alive but does not answer yet (startup, InnoDB crash recovery). */
    STARTING,
    /** SELECT 1 and the heartbeat write both succeeded. */
    HEALTHY,
    /** The process is gone, or it does not answer although it should. */
    FAILED
}
