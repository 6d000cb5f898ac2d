package io.hadb.agent.mysql;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.os.ProcessSignals;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * mysqld run by systemd through its unit. systemctl start and stop wait for the job to finish (a
 * Type=notify unit such as Debian's mariadb.service is started only once the server is ready).
 * Restarts after a crash are the unit's business (Restart=), so this only follows its main pid.
 */
final class SystemdServer implements ServerProcess {
    private static final Logger LOG = Logger.getLogger(SystemdServer.class.getName());
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);
    private final MysqlConfig config;
    private final CommandRunner runner;
    private final String systemctl;
    private long mainPid;

    /** @param systemctl the executable; a path, since a child's PATH does not steer Java's exec */
    SystemdServer(MysqlConfig config, CommandRunner runner, String systemctl) {
        this.config = config;
        this.runner = runner;
        this.systemctl = systemctl;
    }

    @Override
    public synchronized void start() throws MysqlException {
        CommandResult r = systemctl(config.startTimeout(), "start", config.unit());
        if (!r.ok()) {
            throw new MysqlException("systemctl start " + config.unit() + " failed: " + r.summary() + details(r));
        }
        mainPid = queryMainPid();
        if (mainPid == 0) {
            throw new MysqlException("systemctl start " + config.unit() + " succeeded but the unit has no main process");
        }
        LOG.info("mysqld: " + config.unit() + " started, main pid " + mainPid);
    }

    /** The unit's MainPID; 0 when it has none. */
    long queryMainPid() throws MysqlException {
        CommandResult r = systemctl(QUERY_TIMEOUT, "show", "--property=MainPID", "--value", config.unit());
        if (!r.ok()) throw new MysqlException("systemctl show " + config.unit() + " failed: " + r.summary());
        return parseMainPid(r.stdout());
    }

    static long parseMainPid(String out) throws MysqlException {
        String s = out.strip();
        if (s.startsWith("MainPID=")) s = s.substring("MainPID=".length());
        if (!s.matches("\\d{1,10}")) {
            throw new MysqlException("systemctl show --property=MainPID printed \"" + abbreviate(out)
                    + "\", not a pid");
        }
        return Long.parseLong(s);
    }

    @Override
    public synchronized boolean isAlive() {
        if (mainPid > 0 && !ProcessSignals.isGone(mainPid)) return true;
        try {
            long now = queryMainPid(); // the unit may have restarted it under a new pid
            if (now > 0 && now != mainPid) LOG.info("mysqld: " + config.unit() + " main pid is now " + now);
            mainPid = now;
        } catch (MysqlException e) {
            LOG.warning("mysqld: " + e.getMessage());
            return false;
        }
        return mainPid > 0 && !ProcessSignals.isGone(mainPid);
    }

    @Override
    public synchronized OptionalLong pid() {
        return mainPid > 0 ? OptionalLong.of(mainPid) : OptionalLong.empty();
    }

    @Override
    public void stop(Duration timeout) throws MysqlException {
        long pid;
        synchronized (this) {
            pid = mainPid;
        }
        boolean graceful;
        String why = "";
        try {
            CommandResult r = systemctl(timeout, "stop", config.unit());
            graceful = r.ok();
            if (!graceful) why = r.summary() + details(r);
        } catch (MysqlException e) {
            graceful = false;
            why = e.getMessage();
        }
        if (!graceful) {
            LOG.warning("mysqld: systemctl stop " + config.unit() + " did not succeed (" + why
                    + "); sending SIGKILL through systemctl kill");
            CommandResult k = systemctl(QUERY_TIMEOUT, "kill", "--signal=SIGKILL", config.unit());
            if (!k.ok()) {
                throw new MysqlException("cannot stop " + config.unit() + ": stop failed (" + why
                        + ") and systemctl kill failed: " + k.summary() + details(k));
            }
        }
        if (pid > 0 && !ProcessSignals.awaitGone(List.of(pid), Duration.ofSeconds(10)).isEmpty()) {
            throw new MysqlException("mysqld pid " + pid + " of " + config.unit() + " is still there after stopping");
        }
        synchronized (this) {
            mainPid = 0;
        }
        LOG.info("mysqld: " + config.unit() + " stopped");
    }

    @Override
    public Optional<CompletableFuture<ProcessHandle>> exited() {
        return Optional.empty();
    }

    private CommandResult systemctl(Duration timeout, String... args) throws MysqlException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(systemctl);
        cmd.addAll(List.of(args));
        try {
            return runner.run(timeout, cmd);
        } catch (IOException e) {
            throw new MysqlException(e.getMessage(), e);
        }
    }

    private static String details(CommandResult r) {
        String out = (r.stderr() + "\n" + r.stdout()).strip();
        return out.isEmpty() ? "" : " [" + abbreviate(out) + "]";
    }

    private static String abbreviate(String s) {
        String t = s.strip().replace('\n', ' ');
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }
}
