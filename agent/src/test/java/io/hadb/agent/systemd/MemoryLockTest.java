package io.hadb.agent.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class MemoryLockTest {
    private static String limits(String memlock) {
        return "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max open files            1024                 524288               files     \n"
                + "Max locked memory         " + memlock + "            bytes     \n";
    }

    @Test
    void lockOnlyWithARoomyLimitOrTheCapability() {
        assertEquals(Optional.empty(), MemoryLock.limitProblem(limits("unlimited            unlimited"), false));
        assertEquals(Optional.empty(), MemoryLock.limitProblem(limits("8388608              8388608"), true));
        assertEquals(Optional.empty(), MemoryLock.limitProblem(limits("2147483648           2147483648"), false));
        String p = MemoryLock.limitProblem(limits("8388608              8388608"), false).orElseThrow();
        assertTrue(p.contains("8388608 bytes") && p.contains("LimitMEMLOCK=infinity"), p);
        assertTrue(MemoryLock.limitProblem(limits("lots                 lots"), false).isPresent());
    }
}
