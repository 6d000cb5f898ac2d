package io.hadb.agent.mysql;

/** mysqld could not be started, checked or stopped as asked; the message says why. */
public class MysqlException extends Exception {
    public MysqlException(String message) {
        super(message);
    }

    public MysqlException(String message, Throwable cause) {
        super(message, cause);
    }
}
