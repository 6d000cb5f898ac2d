package io.hadb.agent.mysql;

import io.hadb.agent.os.LibC;
import io.hadb.agent.os.ProcessSignals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * mysqld run by the agent itself from a configured command line. The pid file lets a restarted
 * agent find the server it left running instead of starting a second one on the same datadir.
 */
final class ExecServer implements ServerProcess {
    private static final Logger LOG = Logger.getLogger(ExecServer.class.getName());
    private static final Duration KILL_GRACE = Duration.ofSeconds(10);
    private final MysqlConfig config;
    private Process child;
    private ProcessHandle handle;

    ExecServer(MysqlConfig config) {
        this.config = config;
    }

    /** The configured command line with --pid-file added when it has none. */
    static List<String> commandLine(List<String> command, Path pidFile) {
        List<String> cmd = new ArrayList<>(command);
        boolean hasPidFile = cmd.stream().anyMatch(a -> a.startsWith("--pid-file=") || a.startsWith("--pid_file="));
        if (!hasPidFile) cmd.add("--pid-file=" + pidFile);
        return cmd;
    }

    @Override
    public synchronized void start() throws MysqlException {
        if (handle != null && handle.isAlive()) return;
        Optional<ProcessHandle> running = fromPidFile(config.pidFile(), config.datadir());
        if (running.isPresent()) {
            handle = running.get();
            child = null;
            LOG.warning("mysqld: adopting pid " + handle.pid() + " from " + config.pidFile()
                    + ", already running; not starting a second server on the same datadir");
            return;
        }
        List<String> cmd = commandLine(config.command(), config.pidFile());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (config.outputFile() != null) {
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(config.outputFile().toFile()));
        } else {
            pb.inheritIO().redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        try {
            child = pb.start();
        } catch (IOException e) {
            throw new MysqlException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        handle = child.toHandle();
        LOG.info("mysqld: started pid " + handle.pid() + ": " + String.join(" ", cmd));
    }

    /**
     * A live mysqld or mariadbd named by the pid file that works in {@code datadir} (its working directory:
     * mysqld changes into its datadir), if there is one. The pid file lies on the replicated filesystem, so after
     * a failover it may have been written by the other node's server: its pid means nothing here, and may name
     * an unrelated process, or (nodes sharing one host, as in the sandbox) the other node's own server.
     *
     * @param datadir null: any mysqld or mariadbd named by the file
     */
    static Optional<ProcessHandle> fromPidFile(Path pidFile, Path datadir) {
        Optional<ProcessHandle> h = fromPidFile(pidFile);
        if (h.isEmpty() || datadir == null) return h;
        try {
            if (Files.isSameFile(Path.of("/proc", Long.toString(h.get().pid()), "cwd"), datadir)) return h;
        } catch (IOException e) {
            return Optional.empty(); // gone meanwhile, or no datadir here: not our server either way
        }
        LOG.warning("mysqld: not adopting pid " + h.get().pid() + " from " + pidFile + ": it works in another"
                + " directory than " + datadir + " (a pid file written by another server)");
        return Optional.empty();
    }

    /** A live mysqld or mariadbd named by the pid file, if there is one. */
    static Optional<ProcessHandle> fromPidFile(Path pidFile) {
        long pid;
        try {
            String text = Files.readString(pidFile).strip();
            if (!text.matches("\\d{1,10}")) return Optional.empty();
            pid = Long.parseLong(text);
        } catch (IOException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isEmpty() || ProcessSignals.isGone(pid)) return Optional.empty();
        String comm;
        try {
            comm = Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
        } catch (IOException e) {
            return Optional.empty();
        }
        // a stale pid file may name a pid reused by something else, which must not be adopted or killed
        return comm.equals("mariadbd") || comm.equals("mysqld") ? h : Optional.empty();
    }

    @Override
    public synchronized boolean isAlive() {
        return handle != null && !ProcessSignals.isGone(handle.pid());
    }

    @Override
    public synchronized OptionalLong pid() {
        return handle == null ? OptionalLong.empty() : OptionalLong.of(handle.pid());
    }

    @Override
    public void stop(Duration timeout) throws MysqlException {
        ProcessHandle h;
        synchronized (this) {
            h = handle;
        }
        if (h == null || ProcessSignals.isGone(h.pid())) return;
        LOG.info("mysqld: stopping pid " + h.pid() + " with SIGTERM, SIGKILL after " + timeout.toMillis() + " ms");
        ProcessSignals.signal(h.pid(), LibC.SIGTERM);
        if (!ProcessSignals.awaitGone(List.of(h.pid()), timeout).isEmpty()) {
            LOG.warning("mysqld: pid " + h.pid() + " still running " + timeout.toMillis()
                    + " ms after SIGTERM; sending SIGKILL");
            ProcessSignals.signal(h.pid(), LibC.SIGKILL);
            if (!ProcessSignals.awaitGone(List.of(h.pid()), KILL_GRACE).isEmpty()) {
                throw new MysqlException("mysqld pid " + h.pid() + " survives SIGKILL for " + KILL_GRACE.toSeconds()
                        + " s (stuck in uninterruptible I/O?)");
            }
        }
        LOG.info("mysqld: pid " + h.pid() + " is gone");
    }

    @Override
    public synchronized Optional<CompletableFuture<ProcessHandle>> exited() {
        return handle == null ? Optional.empty() : Optional.of(handle.onExit());
    }

    @Override
    public synchronized String exitDescription() {
        if (child == null || child.isAlive()) return "";
        int code = child.exitValue();
        return code > 128 ? "killed by signal " + (code - 128) : "exit status " + code;
    }
}
