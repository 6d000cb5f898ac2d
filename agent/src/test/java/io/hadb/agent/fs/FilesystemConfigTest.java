package io.hadb.agent.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FilesystemConfigTest {
    @Test
    void defaults() {
        FilesystemConfig c = FilesystemConfig.of("/dev/drbd/by-res/r0", "/var/lib/mysql", null, null, null);
        assertEquals("ext4", c.fstype());
        assertEquals(MountOptions.MS_NOATIME, c.options().flags());
        assertEquals(Duration.ofSeconds(5), c.holderTimeout());
        assertEquals(Path.of("/var/lib/mysql"), c.mountpoint());
    }

    @Test
    void badValuesNameTheirKey() {
        assertKey("filesystem.device", () -> FilesystemConfig.of("drbd0", "/m", null, null, null));
        assertKey("filesystem.mountpoint", () -> FilesystemConfig.of("/dev/x", null, null, null, null));
        assertKey("filesystem.fstype", () -> FilesystemConfig.of("/dev/x", "/m", "Ext 4", null, null));
        assertKey("filesystem.options", () -> FilesystemConfig.of("/dev/x", "/m", null, "noatime,,", null));
        assertKey("filesystem.holder_timeout", () -> FilesystemConfig.of("/dev/x", "/m", null, null, Duration.ZERO));
    }

    private static void assertKey(String key, org.junit.jupiter.api.function.Executable e) {
        var ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().startsWith(key), ex.getMessage());
    }
}
