package io.hadb.agent.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountInfoParserTest {
    private static final String SAMPLE = String.join("\n",
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro",
            "25 22 0:23 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw,inode64",
            "42 22 7:0 / /tmp/my\\040data rw,noatime master:7 shared:9 - ext4 /dev/loop0 rw",
            "43 42 147:0 / /var/lib/mysql rw,nodev - ext4 /dev/drbd0 rw,data=ordered",
            "44 22 7:1 /sub /tmp/tab\\011and\\134slash\\012nl rw - ext4 /dev/loop1 rw",
            "45 22 0:50 / /mnt/fuse rw - fuse.sshfs user@host:/a\\040b rw",
            "");

    @Test
    void parsesEveryFieldAndDecodesEscapes() {
        List<MountEntry> e = MountInfoParser.parse(SAMPLE);
        assertEquals(6, e.size());
        MountEntry loop = e.get(2);
        assertEquals(42, loop.mountId());
        assertEquals(22, loop.parentId());
        assertEquals("7:0", loop.majorMinor());
        assertEquals("/tmp/my data", loop.mountPoint());
        assertEquals("rw,noatime", loop.mountOptions());
        assertEquals("ext4", loop.fsType());
        assertEquals("/dev/loop0", loop.source());
        assertEquals("rw", loop.superOptions());
        assertEquals("rw,data=ordered", e.get(3).superOptions());
        assertEquals("/tmp/tab\tand\\slash\nnl", e.get(4).mountPoint());
        assertEquals("/sub", e.get(4).root());
        assertEquals("user@host:/a b", e.get(5).source());
        assertEquals("fuse.sshfs", e.get(5).fsType());
    }

    @Test
    void noOptionalFields() {
        MountEntry e = MountInfoParser.parse("43 42 147:0 / /var/lib/mysql rw,nodev - ext4 /dev/drbd0 rw").get(0);
        assertEquals("/var/lib/mysql", e.mountPoint());
        assertEquals("/dev/drbd0", e.source());
    }

    @Test
    void backslashWithoutOctalIsKept() {
        assertEquals("a\\x", MountInfoParser.unescape("a\\x"));
        assertEquals("a\\04", MountInfoParser.unescape("a\\04"));
        assertEquals("a\\089", MountInfoParser.unescape("a\\089"));
    }

    @Test
    void garbageIsATypedErrorNamingTheLine() {
        var ex = assertThrows(IllegalArgumentException.class,
                () -> MountInfoParser.parse("22 1 8:1 / / rw - ext4 /dev/sda1 rw\nthis is not mountinfo at all"));
        assertTrue(ex.getMessage().contains("line 2"), ex.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> MountInfoParser.parse("x 1 8:1 / / rw - ext4 /dev/sda1 rw"));
        assertThrows(IllegalArgumentException.class,
                () -> MountInfoParser.parse("22 1 81 / / rw - ext4 /dev/sda1 rw"));
        // separator missing
        assertThrows(IllegalArgumentException.class,
                () -> MountInfoParser.parse("22 1 8:1 / / rw shared:1 ext4 /dev/sda1 rw"));
        // truncated after the separator
        assertThrows(IllegalArgumentException.class, () -> MountInfoParser.parse("22 1 8:1 / / rw a b - ext4"));
    }

    @Test
    void topmostMountWins() {
        List<MountEntry> e = MountInfoParser.parse(String.join("\n",
                "42 22 7:0 / /mnt rw - ext4 /dev/loop0 rw",
                "50 42 7:1 / /mnt rw - ext4 /dev/loop1 rw"));
        assertEquals("/dev/loop1", FilesystemDriver.topmostAt(e, "/mnt").orElseThrow().source());
        assertTrue(FilesystemDriver.topmostAt(e, "/mnt/x").isEmpty());
    }

    @Test
    void deviceNumbersSplitAsGlibcDoes() {
        assertEquals("7:0", FilesystemDriver.deviceNumber(0x700));
        assertEquals("147:0", FilesystemDriver.deviceNumber(147L << 8));
        assertEquals("8:17", FilesystemDriver.deviceNumber((8L << 8) | 17));
        // minor above 255 uses the high bits
        assertEquals("259:300", FilesystemDriver.deviceNumber((259L << 8) | (300 & 0xff) | ((long) (300 & ~0xff) << 12)));
    }
}
