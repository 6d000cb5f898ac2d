package io.hadb.agent.mysql;

import java.util.List;

/** The server is not durable and the configuration says to refuse it; mysqld has been stopped. */
public final class DurabilityException extends MysqlException {
    private final List<String> problems;

    public DurabilityException(List<String> problems) {
        super("refusing to serve: mysqld may lose acknowledged commits on a crash or failover"
                + " (mysql.durability = \"refuse\"): " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
