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

    /** @return empty when locked, else why not (errno as the operator reads it) */
    public static Optional<String> lockAll() {
        try {
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
