package io.hadb.agent.systemd;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Optional;

/**
 * mlockall(MCL_CURRENT | MCL_FUTURE): the agent's pages stay in memory, so a heartbeat or a lease renewal
 * never waits for the disk under memory pressure. Needs CAP_IPC_LOCK or a high enough RLIMIT_MEMLOCK
 * (LimitMEMLOCK=infinity in the unit).
 */
public final class MemoryLock {
    static final int MCL_CURRENT = 1;
    static final int MCL_FUTURE = 2;

    interface Lib extends Library {
        Lib INSTANCE = Native.load("c", Lib.class);

        int mlockall(int flags) throws LastErrorException;

        int munlockall() throws LastErrorException;
    }

    private MemoryLock() {}

    /** Below this RLIMIT_MEMLOCK a locked JVM could fail a later allocation (MCL_FUTURE): not worth the risk. */
    static final long MIN_LIMIT = 1L << 30;

    /**
     * Whether the limit in /proc/self/limits ("Max locked memory  SOFT  HARD  bytes") is high enough, or
     * the process may lock without limit (root has CAP_IPC_LOCK). Pure.
     */
    static Optional<String> limitProblem(String procLimits, boolean capIpcLock) {
        if (capIpcLock) return Optional.empty();
        for (String line : procLimits.split("\n")) {
            if (!line.startsWith("Max locked memory")) continue;
            String[] f = line.substring("Max locked memory".length()).trim().split("\\s+");
            if (f.length == 0 || f[0].equals("unlimited")) return Optional.empty();
            try {
                long soft = Long.parseLong(f[0]);
                if (soft >= MIN_LIMIT) return Optional.empty();
                return Optional.of("RLIMIT_MEMLOCK is " + soft + " bytes, too small to lock a JVM safely: "
                        + "set LimitMEMLOCK=infinity");
            } catch (NumberFormatException e) {
                return Optional.of("cannot read the locked-memory limit: " + line);
            }
        }
        return Optional.empty();
    }

    /** @return empty when locked, else why not (errno as the operator reads it) */
    public static Optional<String> lockAll() {
        try {
            boolean cap = false;
            try {
                for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")))
                    if (l.startsWith("CapEff:")) cap = (Long.parseUnsignedLong(l.substring(7).trim(), 16) & (1L << 14)) != 0;
                Optional<String> p = limitProblem(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/limits")), cap);
                if (p.isPresent()) return p;
            } catch (java.io.IOException | NumberFormatException e) {
                // no /proc: let mlockall itself say
            }
            Lib.INSTANCE.mlockall(MCL_CURRENT | MCL_FUTURE);
            return Optional.empty();
        } catch (LastErrorException e) {
            return Optional.of(io.hadb.agent.os.LibC.describe(e.getErrorCode())
                    + (e.getErrorCode() == 12 || e.getErrorCode() == 1 ? ": raise RLIMIT_MEMLOCK (LimitMEMLOCK=infinity)" : ""));
        } catch (UnsatisfiedLinkError e) {
            return Optional.of("mlockall is not available: " + e.getMessage());
        }
    }

    static void unlockAll() {
        Lib.INSTANCE.munlockall();
    }
}
