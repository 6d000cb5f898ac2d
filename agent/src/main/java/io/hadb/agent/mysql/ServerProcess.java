package io.hadb.agent.mysql;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/** The mysqld process as the driver controls it: through systemd, or as the agent's child. */
sealed interface ServerProcess permits ExecServer, SystemdServer {
    /** Starts it, or finds it already running; returns once the process exists. */
    void start() throws MysqlException;

    boolean isAlive();

    OptionalLong pid();

    /** Stops it gracefully, kills it after timeout, and returns only once the process is gone. */
    void stop(Duration timeout) throws MysqlException;

    /** Completes when the process now running exits; empty where systemd supervises it instead. */
    Optional<CompletableFuture<ProcessHandle>> exited();

    /** How it ended, for the log, if known. */
    default String exitDescription() {
        return "";
    }
}
