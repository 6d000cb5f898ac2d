package io.hadb.agent.fs;

import io.hadb.agent.exec.CommandResult;
import io.hadb.agent.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A test's ext4 filesystem on a loop device over a sparse image file; close() detaches it. */
final class LoopImage implements AutoCloseable {
    private static final Duration T = Duration.ofSeconds(30);
    private static final CommandRunner RUN = new CommandRunner();
    final Path image;
    final Path device;

    private LoopImage(Path image, Path device) {
        this.image = image;
        this.device = device;
    }

    static LoopImage create(Path image, int megabytes) throws IOException {
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(megabytes * 1024L * 1024L);
        }
        CommandResult r = RUN.run(T, List.of("losetup", "--find", "--show", image.toString()));
        if (!r.ok()) throw new IOException(r.summary());
        LoopImage loop = new LoopImage(image, Path.of(r.stdout().strip()));
        try {
            // a loop device keeps a read-only flag across detach (blockdev --setro): never inherit one
            RUN.run(T, List.of("blockdev", "--setrw", loop.device.toString()));
            r = RUN.run(T, List.of("mkfs.ext4", "-q", "-F", loop.device.toString()));
            if (!r.ok()) throw new IOException(r.summary());
        } catch (IOException e) {
            loop.close();
            throw e;
        }
        return loop;
    }

    /** Unmounts anything left on mountpoint (a test that failed half way) with umount(8); never lazily. */
    static void forceCleanMount(Path mountpoint) {
        try {
            for (int i = 0; i < 5; i++) {
                String info = Files.readString(Path.of("/proc/self/mountinfo"));
                boolean mounted = MountInfoParser.parse(info).stream()
                        .anyMatch(e -> e.mountPoint().equals(mountpoint.toString()));
                if (!mounted) return;
                RUN.run(T, List.of("umount", mountpoint.toString()));
            }
        } catch (IOException e) {
            System.err.println("cleanup: could not unmount " + mountpoint + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            CommandResult r = RUN.run(T, List.of("losetup", "-d", device.toString()));
            if (!r.ok()) System.err.println("cleanup: " + r.summary());
        } catch (IOException e) {
            System.err.println("cleanup: could not detach " + device + ": " + e.getMessage());
        }
    }
}
