package io.hadb.agent.drbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DrbdVersionTest {
    @Test
    void recordedDistributionModuleIs84WithoutJson() throws Exception {
        DrbdVersion v = DrbdVersion.parse(Samples.read("drbdadm-version.txt"));
        assertEquals("8.4.11", v.kernelVersion());
        assertEquals("9.22.0", v.utilsVersion());
        assertFalse(v.supportsStatusJson());
    }

    @Test
    void drbd9ModuleUsesJson() throws Exception {
        DrbdVersion v = DrbdVersion.parse(Samples.read("drbdadm-version.txt").replace("0x08040b", "0x090202"));
        assertEquals(9, v.kernelMajor());
        assertEquals("9.2.2", v.kernelVersion());
        assertTrue(v.supportsStatusJson());
    }

    @Test
    void garbage() {
        assertThrows(DrbdParseException.class, () -> DrbdVersion.parse("DRBDADM_VERSION=9.22.0\n"));
        assertThrows(DrbdParseException.class, () -> DrbdVersion.parse("DRBD_KERNEL_VERSION_CODE=banana\n"));
        assertThrows(DrbdParseException.class, () -> DrbdVersion.parse(""));
    }
}
