package io.hadb.agent.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadb.agent.os.BlockDeviceClaim;
import io.hadb.agent.os.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver on real loop devices with ext4 and real mount(2), as root. */
class FilesystemDriverTest {
    @TempDir
    Path tmp;
    private final List<LoopImage> loops = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> mountpoints = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (log) {
                log.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private FilesystemDriver driver;

    @BeforeEach
    void setUp() {
        driver = new FilesystemDriver("ext4", MountOptions.parse("noatime,nodev"));
        Logger.getLogger(FilesystemDriver.class.getName()).addHandler(capture);
    }

    @AfterEach
    void cleanUp() {
        Logger.getLogger(FilesystemDriver.class.getName()).removeHandler(capture);
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Path mp : mountpoints) LoopImage.forceCleanMount(mp);
        for (LoopImage l : loops) l.close();
    }

    private LoopImage loop(String name) throws IOException {
        LoopImage l = LoopImage.create(tmp.resolve(name + ".img"), 32);
        loops.add(l);
        return l;
    }

    private Path mountpoint(String name) throws IOException {
        Path mp = Files.createDirectories(tmp.resolve(name)).toRealPath();
        mountpoints.add(mp);
        return mp;
    }

    private Process start(ProcessBuilder pb) throws IOException {
        Process p = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    @Test
    void mountWriteUnmountRemountRead() throws Exception {
        LoopImage l = loop("a");
        Path mp = mountpoint("mnt");
        driver.mount(l.device, mp);
        assertTrue(driver.isMounted(l.device, mp));
        MountEntry e = driver.mountedAt(mp).orElseThrow();
        assertEquals("ext4", e.fsType());
        assertTrue(e.mountOptions().contains("noatime"), e.mountOptions());
        assertTrue(e.mountOptions().contains("nodev"), e.mountOptions());
        Files.writeString(mp.resolve("hello.txt"), "written before unmount");

        driver.mount(l.device, mp); // same device again: nothing to do
        assertEquals(1, countMountsAt(mp));

        driver.unmount(l.device, mp, Duration.ofSeconds(2));
        assertFalse(driver.isMounted(l.device, mp));
        assertFalse(Files.exists(mp.resolve("hello.txt")));
        driver.unmount(l.device, mp, Duration.ofSeconds(2)); // nothing mounted: nothing to do

        driver.mount(l.device, mp);
        assertEquals("written before unmount", Files.readString(mp.resolve("hello.txt")));
        driver.unmount(l.device, mp, Duration.ofSeconds(2));
    }

    @Test
    void busyUnmountEndsItsHoldersAndSucceeds() throws Exception {
        LoopImage l = loop("b");
        Path mp = mountpoint("busy");
        driver.mount(l.device, mp);
        Path dir = Files.createDirectories(mp.resolve("dir"));
        Path file = mp.resolve("data.txt");
        Files.writeString(file, "x");
        Path sleepCopy = mp.resolve("sleep");
        Files.copy(Path.of("/bin/sleep"), sleepCopy, StandardCopyOption.COPY_ATTRIBUTES);

        Process inCwd = start(new ProcessBuilder("sleep", "600").directory(dir.toFile()));
        Process openFile = start(new ProcessBuilder("sleep", "600").redirectInput(file.toFile()));
        Process mapped = start(new ProcessBuilder(sleepCopy.toString(), "600").directory(tmp.toFile()));
        // ignores SIGTERM (an ignored signal stays ignored across exec), so only SIGKILL ends it
        Process stubborn = start(new ProcessBuilder("sh", "-c", "trap '' TERM; exec sleep 600").directory(dir.toFile()));
        awaitHolding(mp, 4);

        List<Holder> found = new HolderScanner(Path.of("/proc")).scan(mp.toString());
        assertHolds(found, inCwd.pid(), "cwd " + dir);
        assertHolds(found, openFile.pid(), "fd 0 " + file);
        assertHolds(found, mapped.pid(), "maps " + sleepCopy);
        assertHolds(found, stubborn.pid(), "cwd " + dir);

        driver.unmount(l.device, mp, Duration.ofMillis(500));

        assertFalse(driver.isMounted(l.device, mp));
        for (Process p : List.of(inCwd, openFile, mapped, stubborn)) {
            assertTrue(p.waitFor(5, TimeUnit.SECONDS), "holder " + p.pid() + " was ended");
        }
        assertEquals(143, inCwd.exitValue(), "ended by SIGTERM");
        assertEquals(137, stubborn.exitValue(), "ended by SIGKILL after the timeout");
        synchronized (log) {
            assertTrue(log.stream().anyMatch(m -> m.contains("SIGTERM") && m.contains("pid " + inCwd.pid())), log.toString());
            assertTrue(log.stream().anyMatch(m -> m.contains("SIGKILL") && m.contains("pid " + stubborn.pid())), log.toString());
        }
    }

    @Test
    void aHolderThatLetsGoOnSigtermIsNotKilled() throws Exception {
        LoopImage l = loop("c");
        Path mp = mountpoint("letsgo");
        driver.mount(l.device, mp);
        Path file = mp.resolve("held.txt");
        Files.writeString(file, "x");
        // holds the file on fd 3; on SIGTERM closes it and lives on (as a kernel stand-in or a careful tool would)
        Process polite = start(new ProcessBuilder("bash", "-c", "exec 3<'" + file + "'; trap 'exec 3<&-' TERM;"
                + " while :; do sleep 0.05; done").directory(tmp.toFile()));
        for (int i = 0; i < 250 && new HolderScanner(Path.of("/proc")).scan(mp.toString()).isEmpty(); i++) Thread.sleep(20);
        assertHolds(new HolderScanner(Path.of("/proc")).scan(mp.toString()), polite.pid(), "fd 3 " + file);

        driver.unmount(l.device, mp, Duration.ofSeconds(5));

        assertFalse(driver.isMounted(l.device, mp));
        assertTrue(polite.isAlive(), "a holder that let go of the mount is not killed");
        synchronized (log) {
            assertFalse(log.stream().anyMatch(m -> m.contains("SIGKILL")), log.toString());
        }
    }

    @Test
    void mountpointTakenByAnotherDeviceIsRefused() throws Exception {
        LoopImage a = loop("c1");
        LoopImage b = loop("c2");
        Path mp = mountpoint("taken");
        Path other = mountpoint("other");
        driver.mount(a.device, mp);
        var ex = assertThrows(FilesystemException.class, () -> driver.mount(b.device, mp));
        assertTrue(ex.getMessage().contains("already mounted there"), ex.getMessage());
        assertTrue(ex.getMessage().contains(a.device.toString()), ex.getMessage());
        assertTrue(driver.isMounted(a.device, mp), "the first mount is untouched");
        assertFalse(driver.isMounted(b.device, mp));

        ex = assertThrows(FilesystemException.class, () -> driver.mount(a.device, other));
        assertTrue(ex.getMessage().contains("already mounted on " + mp), ex.getMessage());
        driver.unmount(a.device, mp, Duration.ofSeconds(1));
    }

    @Test
    void kernelRefusalsCarryErrnoAndOptions() throws Exception {
        LoopImage l = loop("d");
        Path mp = mountpoint("refused");
        var bad = new FilesystemDriver("ext4", MountOptions.parse("noatime,data=nonsense"));
        var ex = assertThrows(FilesystemException.class, () -> bad.mount(l.device, mp));
        assertEquals(22, ex.errno());
        assertTrue(ex.getMessage().contains("data=nonsense"), ex.getMessage());
        assertTrue(ex.getMessage().contains("Invalid argument"), ex.getMessage());
        assertFalse(driver.isMounted(l.device, mp));

        var wrongType = new FilesystemDriver("xfs", MountOptions.none());
        ex = assertThrows(FilesystemException.class, () -> wrongType.mount(l.device, mp));
        assertTrue(ex.errno() != 0, ex.getMessage());

        ex = assertThrows(FilesystemException.class, () -> driver.mount(tmp.resolve("no-such-dev"), mp));
        assertTrue(ex.getMessage().contains("does not exist"), ex.getMessage());
        ex = assertThrows(FilesystemException.class, () -> driver.mount(l.device, tmp.resolve("no-such-dir")));
        assertTrue(ex.getMessage().contains("does not exist"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FilesystemDriver("ext4; rm", MountOptions.none()));
    }

    @Test
    void aMountNamespaceCopiedWhileMountedIsUnmountedThereToo() throws Exception {
        LoopImage l = loop("ns1");
        Path mp = mountpoint("ns1");
        driver.mount(l.device, mp);
        // a namespace copied now (as unshare, ip netns exec or a container would) keeps the filesystem alive
        Process copy = namespaceCopy(l, "exec sleep 60");

        driver.unmount(l.device, mp, Duration.ofSeconds(2));

        assertFalse(BlockDeviceClaim.claimed(l.device), "the copy was unmounted too");
        assertFalse(mountedIn(copy.pid(), l.device), "no mount of the device left in the copy");
        assertTrue(copy.isAlive(), "the namespace's process itself is left alone");
        synchronized (log) {
            assertTrue(log.stream().anyMatch(m -> m.contains("of pid " + copy.pid() + " (sleep)")
                    && m.contains("unmounting it there")), log.toString());
            assertTrue(log.stream().anyMatch(m -> m.contains("released " + l.device)), log.toString());
        }
        // nothing claims it: the next mount is a fresh one
        driver.mount(l.device, mp);
        driver.unmount(l.device, mp, Duration.ofSeconds(2));
    }

    @Test
    void aBusyCopyInAnotherNamespaceFailsTheUnmountNamingIt() throws Exception {
        LoopImage l = loop("ns2");
        Path mp = mountpoint("ns2");
        driver.mount(l.device, mp);
        Process copy = namespaceCopy(l, "cd '" + mp + "' && exec sleep 60");

        var ex = assertThrows(FilesystemException.class, () -> driver.unmount(l.device, mp, Duration.ofSeconds(2)));

        assertTrue(ex.getMessage().contains("pid " + copy.pid()), ex.getMessage());
        assertTrue(ex.getMessage().contains("in the mount namespace"), ex.getMessage());
        assertTrue(BlockDeviceClaim.claimed(l.device), "still claimed: DRBD would refuse to demote");
        assertTrue(copy.isAlive(), "hadb does not kill processes in other mount namespaces");
        // a mount now would get the old superblock back: refused for the same reason
        var again = assertThrows(FilesystemException.class, () -> driver.mount(l.device, mp));
        assertTrue(again.getMessage().contains("pid " + copy.pid()), again.getMessage());
        assertFalse(driver.isMounted(l.device, mp));
    }

    @Test
    void aMountFirstClearsALeftoverInAnotherNamespace() throws Exception {
        LoopImage l = loop("ns3");
        Path mp = mountpoint("ns3");
        driver.mount(l.device, mp);
        Process copy = namespaceCopy(l, "exec sleep 60");
        // unmounted here by something that did not look further (an older hadb, an operator's umount)
        LibC.INSTANCE.umount2(mp.toString(), 0);
        assertTrue(BlockDeviceClaim.claimed(l.device));

        driver.mount(l.device, mp);

        assertTrue(driver.isMounted(l.device, mp));
        assertFalse(mountedIn(copy.pid(), l.device));
        synchronized (log) {
            assertTrue(log.stream().anyMatch(m -> m.startsWith("mount: ") && m.contains("unmounting it there")),
                    log.toString());
        }
        driver.unmount(l.device, mp, Duration.ofSeconds(2));
    }

    /** A process in a private copy of this mount namespace, made now (with l mounted), running script there. */
    private Process namespaceCopy(LoopImage l, String script) throws Exception {
        Process copy = start(new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", script));
        awaitMountedIn(copy.pid(), l.device);
        return copy;
    }

    private static boolean mountedIn(long pid, Path device) throws IOException {
        String mm = FilesystemDriver.majorMinor(device.toRealPath()).orElseThrow();
        return MountInfoParser.parse(Files.readString(Path.of("/proc", Long.toString(pid), "mountinfo"))).stream()
                .anyMatch(e -> e.majorMinor().equals(mm));
    }

    /** unshare has made its namespace and exec'd sleep (whose comm shows it) with the copy in place. */
    private static void awaitMountedIn(long pid, Path device) throws Exception {
        for (int i = 0; i < 250; i++) {
            try {
                if (Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip().equals("sleep")
                        && mountedIn(pid, device)) return;
            } catch (IOException e) {
                // not there yet
            }
            Thread.sleep(20);
        }
        throw new AssertionError("pid " + pid + " never showed a copy of the mount");
    }

    private static long countMountsAt(Path mp) throws IOException {
        return MountInfoParser.parse(Files.readString(Path.of("/proc/self/mountinfo"))).stream()
                .filter(e -> e.mountPoint().equals(mp.toString())).count();
    }

    private static void assertHolds(List<Holder> found, long pid, String what) {
        Holder h = found.stream().filter(x -> x.pid() == pid).findFirst()
                .orElseThrow(() -> new AssertionError("pid " + pid + " not among holders " + found));
        assertTrue(h.holds().contains(what), h + " should hold " + what);
    }

    /** The holders have exec'd and opened their files once the scan sees them all. */
    private static void awaitHolding(Path mp, int count) throws InterruptedException {
        for (int i = 0; i < 250; i++) {
            List<Holder> h = new HolderScanner(Path.of("/proc")).scan(mp.toString());
            boolean stubbornExeced = h.stream().filter(x -> x.comm().equals("sleep")).count() >= count;
            if (h.size() >= count && stubbornExeced) return;
            Thread.sleep(20);
        }
        throw new AssertionError("holders did not start");
    }
}
