package io.hadb.agent.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MountOptionsTest {
    @Test
    void genericOptionsBecomeFlagsAndTheRestIsData() {
        MountOptions o = MountOptions.parse("noatime,nodev,data=ordered,barrier=1,nosuid");
        assertEquals(MountOptions.MS_NOATIME | MountOptions.MS_NODEV | MountOptions.MS_NOSUID, o.flags());
        assertEquals("data=ordered,barrier=1", o.data());
        assertFalse(o.readOnly());
    }

    @Test
    void laterOptionsOverrideEarlierOnes() {
        assertTrue(MountOptions.parse("ro").readOnly());
        assertFalse(MountOptions.parse("ro,rw").readOnly());
        assertEquals(MountOptions.MS_NOEXEC, MountOptions.parse("noexec").flags());
        assertEquals(0, MountOptions.parse("noexec,exec").flags());
    }

    @Test
    void mountCommandOnlyOptionsAreDropped() {
        MountOptions o = MountOptions.parse("defaults,nofail,_netdev");
        assertEquals(0, o.flags());
        assertEquals("", o.data());
    }

    @Test
    void emptyMeansNone() {
        assertEquals(MountOptions.none(), MountOptions.parse(""));
        assertEquals(MountOptions.none(), MountOptions.parse(null));
        assertEquals(MountOptions.none(), MountOptions.parse("  "));
    }

    @Test
    void badStringsAreRejectedWithTheOffendingPart() {
        var ex = assertThrows(IllegalArgumentException.class, () -> MountOptions.parse("noatime,,nodev"));
        assertTrue(ex.getMessage().contains("empty"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> MountOptions.parse("noatime,no atime"));
        assertTrue(ex.getMessage().contains("no atime"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MountOptions.parse("noatime,"));
        assertThrows(IllegalArgumentException.class, () -> MountOptions.parse("a;rm -rf"));
    }
}
