package io.hadb.testbed.sandbox;

import io.hadb.agent.os.ProcessSignals;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A node's processes are one process group (its agent started with setsid, every child of the agent
 * inherits the group): found through /proc, signalled with kill(-pgid), never by name.
 */
final class ProcessGroups {
    static final int SIGKILL = 9;
    static final int SIGCONT = 18;
    static final int SIGSTOP = 19;

    private ProcessGroups() {
    }

    /** /proc/PID/stat fields after the command name: state, ppid, pgrp, session ... starttime (22nd overall). */
    record Stat(char state, long pgrp, long session, long startTime) {
        static Stat parse(String stat) {
            int close = stat.lastIndexOf(')');
            if (close < 0) throw new IllegalArgumentException("not a /proc stat line: " + stat);
            String[] f = stat.substring(close + 2).trim().split(" ");
            // f[0] is field 3 (state); field N is f[N - 3]
            return new Stat(f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[19]));
        }
    }

    static java.util.Optional<Stat> stat(long pid) {
        try {
            return java.util.Optional.of(Stat.parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** The process's start time in clock ticks since boot: with the pid, it names one process for good. */
    static OptionalLong startTime(long pid) {
        return stat(pid).map(s -> OptionalLong.of(s.startTime())).orElse(OptionalLong.empty());
    }

    /** Live (non-zombie) processes whose process group is pgid. */
    static List<Long> members(long pgid) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                stat(pid).filter(s -> s.pgrp() == pgid && s.state() != 'Z').ifPresent(s -> out.add(pid));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Whether the group recorded as (pgid, leader start time) is still ours: its leader alive with that
     * start time, or the leader gone and members left (the kernel never hands out a pid still used as a
     * process group id, so such members are the leader's).
     */
    static boolean ours(long pgid, long leaderStart) {
        OptionalLong st = startTime(pgid);
        if (st.isPresent()) return st.getAsLong() == leaderStart;
        return !members(pgid).isEmpty();
    }

    static void signal(long pgid, int sig) {
        ProcessSignals.signal(-pgid, sig);
    }

    /** Waits until no live process is left in the group. @return the members still there */
    static List<Long> awaitEmpty(long pgid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Long> left = members(pgid);
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
