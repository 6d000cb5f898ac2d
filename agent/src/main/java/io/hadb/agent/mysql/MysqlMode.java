package io.hadb.agent.mysql;

/** How mysqld is run: by systemd through a unit, or by the agent as its own child. */
public enum MysqlMode {
    SYSTEMD, EXEC
}
