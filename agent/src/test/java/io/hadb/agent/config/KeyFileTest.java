package io.hadb.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {
    @TempDir
    Path dir;

    @Test
    void generatedKeyIsOwnerReadOnlyAndAccepted() throws Exception {
        Path k = dir.resolve("authkey");
        KeyFile.generate(k);
        assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(k)));
        assertEquals(KeyFile.GENERATED_BYTES, KeyFile.read(k).length);
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> KeyFile.generate(k));
    }

    @Test
    void missingShortAndWorldReadableKeysAreRefused() throws Exception {
        var e = assertThrows(KeyFile.KeyFileException.class, () -> KeyFile.read(dir.resolve("none")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        Path shortKey = dir.resolve("short");
        Files.write(shortKey, new byte[16]);
        Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
        e = assertThrows(KeyFile.KeyFileException.class, () -> KeyFile.read(shortKey));
        assertTrue(e.getMessage().contains("16 bytes"), e.getMessage());
        Path open = dir.resolve("open");
        Files.write(open, new byte[64]);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        e = assertThrows(KeyFile.KeyFileException.class, () -> KeyFile.read(open));
        assertTrue(e.getMessage().contains("chmod 0400"), e.getMessage());
        e = assertThrows(KeyFile.KeyFileException.class, () -> KeyFile.read(dir));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }
}
