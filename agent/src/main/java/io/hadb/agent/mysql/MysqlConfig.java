package io.hadb.agent.mysql;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The [mysql] section.
 *
 * @param mode systemd (unit) or exec (command, supervised as the agent's child)
 * @param unit the systemd unit, e.g. mariadb.service; systemd mode only
 * @param command the server's command line; exec mode only. --pid-file=pidFile is added if absent
 * @param pidFile where the server writes its pid; exec mode uses it to find a server left running
 * @param datadir the data directory (on the replicated filesystem)
 * @param socket the unix socket the health check connects through, or null to use host:port
 * @param host the address the health check connects to, and whose port must close on stop
 * @param port the server's TCP port
 * @param user the health check's user (needs SELECT, and CREATE/INSERT/UPDATE on the hadb schema;
 *     PROCESS and CONNECTION ADMIN (SUPER) to end client connections)
 * @param passwordFile a file holding that user's password, or null for none
 * @param outputFile where an exec-mode server's stdout/stderr go, or null to share the agent's
 * @param heartbeatNode this node's row in hadb.heartbeat
 * @param connectTimeout the health check's connect timeout
 * @param queryTimeout the health check's socket timeout for each query
 * @param startTimeout how long a start may take (InnoDB crash recovery included) before it is FAILED
 * @param stopTimeout how long a graceful stop may take before SIGKILL
 * @param healthInterval how often the health check runs while the server is up
 * @param restartLimit how many crash restarts in place are allowed within restartWindow
 * @param durability warn or refuse when innodb_flush_log_at_trx_commit or sync_binlog is not 1
 */
public record MysqlConfig(MysqlMode mode, String unit, List<String> command, Path pidFile, Path datadir,
                          Path socket, String host, int port, String user, Path passwordFile, Path outputFile,
                          String heartbeatNode, Duration connectTimeout, Duration queryTimeout,
                          Duration startTimeout, Duration stopTimeout, Duration healthInterval, int restartLimit,
                          Duration restartWindow, DurabilityPolicy durability) {

    /** @throws IllegalArgumentException naming the key that is wrong */
    public MysqlConfig {
        if (mode == null) throw bad("mode", "must be \"systemd\" or \"exec\"");
        command = command == null ? List.of() : List.copyOf(command);
        if (mode == MysqlMode.SYSTEMD && (unit == null || !unit.matches("[A-Za-z0-9:_.@\\\\-]+"))) {
            throw bad("unit", "must name a systemd unit in systemd mode, got " + unit);
        }
        if (mode == MysqlMode.EXEC) {
            if (command.isEmpty()) throw bad("command", "must be the server's command line in exec mode");
            if (pidFile == null || !pidFile.isAbsolute()) throw bad("pid_file", "must be an absolute path in exec mode");
        }
        if (host == null || host.isBlank()) throw bad("host", "must be an address, e.g. 127.0.0.1");
        if (port < 1 || port > 65535) throw bad("port", "must be 1..65535, got " + port);
        if (user == null || user.isBlank()) throw bad("user", "must name the health check's user");
        if (heartbeatNode == null || heartbeatNode.isBlank() || heartbeatNode.length() > 64) {
            throw bad("heartbeat_node", "must be 1..64 characters");
        }
        positive("connect_timeout", connectTimeout);
        positive("query_timeout", queryTimeout);
        positive("start_timeout", startTimeout);
        positive("stop_timeout", stopTimeout);
        positive("health_interval", healthInterval);
        positive("restart_window", restartWindow);
        if (restartLimit < 0) throw bad("restart_limit", "must be 0 or more, got " + restartLimit);
        if (durability == null) throw bad("durability", "must be \"warn\" or \"refuse\"");
    }

    /** An exec-mode configuration with the defaults documented in notes/resources.md. */
    public static MysqlConfig exec(List<String> command, Path pidFile, Path datadir, Path socket, int port,
                                   String user, Path passwordFile) {
        return new MysqlConfig(MysqlMode.EXEC, null, command, pidFile, datadir, socket, "127.0.0.1", port, user,
                passwordFile, null, "node", Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(60),
                Duration.ofSeconds(30), Duration.ofSeconds(1), 3, Duration.ofMinutes(10), DurabilityPolicy.WARN);
    }

    /** A systemd-mode configuration with the same defaults. */
    public static MysqlConfig systemd(String unit, Path datadir, Path socket, int port, String user,
                                      Path passwordFile) {
        return new MysqlConfig(MysqlMode.SYSTEMD, unit, List.of(), null, datadir, socket, "127.0.0.1", port, user,
                passwordFile, null, "node", Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(60),
                Duration.ofSeconds(30), Duration.ofSeconds(1), 3, Duration.ofMinutes(10), DurabilityPolicy.WARN);
    }

    public MysqlConfig withTimeouts(Duration start, Duration stop) {
        return new MysqlConfig(mode, unit, command, pidFile, datadir, socket, host, port, user, passwordFile,
                outputFile, heartbeatNode, connectTimeout, queryTimeout, start, stop, healthInterval, restartLimit,
                restartWindow, durability);
    }

    public MysqlConfig withRestarts(int limit, Duration window) {
        return new MysqlConfig(mode, unit, command, pidFile, datadir, socket, host, port, user, passwordFile,
                outputFile, heartbeatNode, connectTimeout, queryTimeout, startTimeout, stopTimeout, healthInterval,
                limit, window, durability);
    }

    /** The same, with the health check going over this Unix socket instead of TCP. */
    public MysqlConfig withSocket(Path unixSocket) {
        return new MysqlConfig(mode, unit, command, pidFile, datadir, unixSocket, host, port, user, passwordFile,
                outputFile, heartbeatNode, connectTimeout, queryTimeout, startTimeout, stopTimeout, healthInterval,
                restartLimit, restartWindow, durability);
    }

    public MysqlConfig withDurability(DurabilityPolicy policy) {
        return new MysqlConfig(mode, unit, command, pidFile, datadir, socket, host, port, user, passwordFile,
                outputFile, heartbeatNode, connectTimeout, queryTimeout, startTimeout, stopTimeout, healthInterval,
                restartLimit, restartWindow, policy);
    }

    public MysqlConfig withOutput(Path output, String node, Duration interval) {
        return new MysqlConfig(mode, unit, command, pidFile, datadir, socket, host, port, user, passwordFile,
                output, node, connectTimeout, queryTimeout, startTimeout, stopTimeout, interval, restartLimit,
                restartWindow, durability);
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw bad(key, "must be a positive duration, got " + d);
    }

    private static IllegalArgumentException bad(String key, String what) {
        return new IllegalArgumentException("mysql." + key + " " + what);
    }
}
