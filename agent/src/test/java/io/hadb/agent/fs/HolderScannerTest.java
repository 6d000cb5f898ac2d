package io.hadb.agent.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HolderScannerTest {
    @Test
    void pathsUnderTheMountpoint() {
        assertTrue(HolderScanner.isUnder("/mnt/a", "/mnt/a"));
        assertTrue(HolderScanner.isUnder("/mnt/a/x/y", "/mnt/a"));
        assertTrue(HolderScanner.isUnder("/mnt/a/gone (deleted)", "/mnt/a"));
        assertFalse(HolderScanner.isUnder("/mnt/ab", "/mnt/a"));
        assertFalse(HolderScanner.isUnder("/mnt", "/mnt/a"));
        assertFalse(HolderScanner.isUnder("socket:[1234]", "/mnt/a"));
        assertTrue(HolderScanner.isUnder("/anything", "/"));
    }

    @Test
    void mappedPathsFromMaps() {
        String maps = String.join("\n",
                "55d1c0a00000-55d1c0a02000 r--p 00000000 07:00 12 /mnt/a/bin/sleep",
                "55d1c0a02000-55d1c0a06000 r-xp 00002000 07:00 12 /mnt/a/bin/sleep",
                "55d1c1e5e000-55d1c1e7f000 rw-p 00000000 00:00 0                          [heap]",
                "7f2c1a000000-7f2c1a200000 r--s 00000000 07:00 13                         /mnt/a/my file (deleted)",
                "7f2c1a400000-7f2c1a600000 rw-p 00000000 00:00 0 ",
                "7ffd5b9c6000-7ffd5b9e7000 rw-p 00000000 00:00 0                          [stack]",
                "garbage line");
        assertEquals(List.of("/mnt/a/bin/sleep", "/mnt/a/my file (deleted)"), HolderScanner.mappedPaths(maps));
    }

    @Test
    void scansAMadeUpProcTree(@TempDir Path proc) throws IOException {
        // pid 100: cwd on the mount; pid 200: an open file and a mapping there; pid 300: nothing there;
        // pid 400: its root on the mount; "self" and non-pid entries are not processes
        process(proc, 100, "sleep", "/mnt/a/dir", "/", List.of("/dev/null", "/mnt/ab/f"), "");
        process(proc, 200, "mariadbd", "/", "/", List.of("/dev/null", "socket:[77]", "/mnt/a/ibdata1"),
                "7f00-7f01 r--p 0 07:00 9 /mnt/a/lib.so\n");
        process(proc, 300, "bash", "/root", "/", List.of("/dev/pts/0"), "7f00-7f01 r--p 0 08:01 9 /usr/lib/x.so\n");
        process(proc, 400, "chrooted", "/", "/mnt/a", List.of(), "");
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("sys"));
        List<Holder> h = new HolderScanner(proc).scan("/mnt/a");
        assertEquals(List.of(100L, 200L, 400L), h.stream().map(Holder::pid).toList());
        assertEquals("sleep", h.get(0).comm());
        assertEquals(List.of("cwd /mnt/a/dir"), h.get(0).holds());
        assertEquals(List.of("fd 2 /mnt/a/ibdata1", "maps /mnt/a/lib.so"), h.get(1).holds());
        assertEquals(List.of("root /mnt/a"), h.get(2).holds());
        assertTrue(h.get(1).toString().contains("pid 200 (mariadbd)"));
    }

    @Test
    void aVanishedOrUnreadableProcessIsSkipped(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("500")); // no comm, cwd, fd or maps: exited mid-scan
        assertEquals(List.of(), new HolderScanner(proc).scan("/mnt/a"));
        assertEquals(List.of(), new HolderScanner(proc.resolve("missing")).scan("/mnt/a"));
    }

    private static void process(Path proc, int pid, String comm, String cwd, String root, List<String> fds,
                                String maps) throws IOException {
        Path d = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(d.resolve("comm"), comm + "\n");
        Files.createSymbolicLink(d.resolve("cwd"), Path.of(cwd));
        Files.createSymbolicLink(d.resolve("root"), Path.of(root));
        Path fd = Files.createDirectories(d.resolve("fd"));
        for (int i = 0; i < fds.size(); i++) Files.createSymbolicLink(fd.resolve(Integer.toString(i)), Path.of(fds.get(i)));
        Files.writeString(d.resolve("maps"), maps);
    }
}
