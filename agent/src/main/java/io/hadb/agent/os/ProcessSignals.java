package io.hadb.agent.os;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/** Signals processes by pid through kill(2) and waits for them to be gone. */
public final class ProcessSignals {
    private ProcessSignals() {
    }

    /** Sends a signal; a process that is already gone is not an error. @return false if it was gone */
    public static boolean signal(long pid, int signal) {
        try {
            LibC.INSTANCE.kill((int) pid, signal);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.ESRCH) return false;
            throw new IllegalStateException("kill(" + pid + ", " + signal + ") failed: " + LibC.describe(e.getErrorCode()));
        }
    }

    /**
     * Gone means no /proc entry, or a zombie: a zombie has already released its files, its working
     * directory and its mappings, and only its parent can reap it.
     */
    public static boolean isGone(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return true;
        }
    }

    /** Waits until every pid is gone or the timeout passes. @return the pids still there */
    public static List<Long> awaitGone(Collection<Long> pids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Long> left = pids.stream().filter(p -> !isGone(p)).collect(Collectors.toList());
            if (left.isEmpty() || System.nanoTime() - deadline >= 0) return left;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
        }
    }
}
