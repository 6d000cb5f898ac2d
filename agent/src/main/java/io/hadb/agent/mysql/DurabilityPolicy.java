package io.hadb.agent.mysql;

/** What to do at start when the server may lose acknowledged commits on a crash: warn, or refuse to serve. */
public enum DurabilityPolicy {
    WARN, REFUSE
}
