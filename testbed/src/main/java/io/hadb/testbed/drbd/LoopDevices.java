package io.hadb.testbed.drbd;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Loop devices (losetup, blockdev through CommandRunner), the device symlinks, and who holds a device. */
final class LoopDevices {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private final CommandRunner runner = new CommandRunner();

    private CommandResult run(String... cmd) throws IOException {
        CommandResult r = runner.run(TIMEOUT, List.of(cmd));
        if (!r.ok()) throw new IOException(r.summary());
        return r;
    }

    /** A new loop device over file, read-write at block level; the role decides blockdev --setro. */
    String attach(String file) throws IOException {
        String loop = run("losetup", "--show", "-f", file).stdout().strip();
        // the kernel keeps a loop device's read-only flag across detach: never inherit one
        run("blockdev", "--setrw", loop);
        return loop;
    }

    void detach(String loop) throws IOException {
        if (loop.isEmpty()) return;
        // leave the device writable for whoever uses it next (a Secondary's device is set read-only)
        runner.run(TIMEOUT, List.of("blockdev", "--setrw", loop));
        CommandResult r = runner.run(TIMEOUT, List.of("losetup", "-d", loop));
        // already gone is fine: detach is idempotent for cleanup
        if (!r.ok() && !r.stderr().contains("No such device")) throw new IOException(r.summary());
    }

    void setReadOnly(String loop, boolean ro) throws IOException {
        run("blockdev", ro ? "--setro" : "--setrw", loop);
    }

    /** Drops the device's cached blocks: another loop may have written the same image meanwhile. */
    void flushBuffers(String loop) throws IOException {
        run("blockdev", "--flushbufs", loop);
    }

    static void link(String device, String loop) throws IOException {
        Path d = Path.of(device);
        if (d.getParent() != null) Files.createDirectories(d.getParent());
        Files.deleteIfExists(d);
        Files.createSymbolicLink(d, Path.of(loop));
    }

    static void unlink(String device) throws IOException {
        Path d = Path.of(device);
        if (Files.isSymbolicLink(d)) Files.delete(d);
    }

    /** Where the loop device is mounted, from /proc/self/mountinfo (source path or major:minor). */
    static Optional<String> mountPoint(String loop) throws IOException {
        if (loop.isEmpty()) return Optional.empty();
        String devNo = majorMinor(loop);
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length < 5 || dash < 0) continue;
            String[] tail = line.substring(dash + 3).split(" ");
            String source = tail.length > 1 ? tail[1] : "";
            if (source.equals(loop) || (devNo != null && f[2].equals(devNo))) {
                return Optional.of(f[4].replace("\\040", " "));
            }
        }
        return Optional.empty();
    }

    private static String majorMinor(String loop) {
        try {
            Path p = Path.of("/sys/class/block", Path.of(loop).getFileName().toString(), "dev");
            return Files.exists(p) ? Files.readString(p).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * True when the device is mounted or any other process has it open (DRBD's "held open"). Mounted
     * counts in every mount namespace: the kernel's exclusive claim says so where this one's mountinfo cannot.
     */
    static boolean heldOpen(String loop) throws IOException {
        if (loop.isEmpty()) return false;
        if (mountPoint(loop).isPresent() || io.hadb.agent.os.BlockDeviceClaim.claimed(Path.of(loop))) return true;
        Path target = Path.of(loop);
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                if (proc.getFileName().toString().equals(Long.toString(self))) continue;
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (Files.readSymbolicLink(fd).equals(target)) return true;
                        } catch (IOException ignored) {
                            // fd closed meanwhile
                        }
                    }
                } catch (IOException ignored) {
                    // process gone or not ours to read
                }
            }
        }
        return false;
    }

    static boolean exists(String path) {
        return Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS);
    }
}
