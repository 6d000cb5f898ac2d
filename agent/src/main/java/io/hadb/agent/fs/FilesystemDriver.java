package io.hadb.agent.fs;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import io.hadb.agent.exec.CommandRunner;
import io.hadb.agent.os.BlockDeviceClaim;
import io.hadb.agent.os.LibC;
import io.hadb.agent.os.ProcessSignals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Mounts and unmounts the replicated filesystem with mount(2) and umount2(2), and checks the
 * result in /proc/self/mountinfo. An unmount refused as busy finds the processes holding the
 * mount, ends them (TERM, then KILL after a timeout) and retries; it never detaches lazily,
 * because a lazily detached filesystem keeps writing to a device that is about to be demoted.
 */
public final class FilesystemDriver {
    private static final Logger LOG = Logger.getLogger(FilesystemDriver.class.getName());
    /** Rounds of find-holders-and-kill before an unmount is declared impossible. */
    private static final int UNMOUNT_ROUNDS = 4;
    /** How long a SIGKILLed holder may take to vanish (it may be in uninterruptible I/O). */
    private static final Duration KILL_GRACE = Duration.ofSeconds(5);

    private final String fstype;
    private final MountOptions options;
    private final HolderScanner scanner;
    private final ForeignMountScanner foreign;

    public FilesystemDriver(String fstype, MountOptions options) {
        this(fstype, options, new HolderScanner(Path.of("/proc")));
    }

    FilesystemDriver(String fstype, MountOptions options, HolderScanner scanner) {
        this.foreign = new ForeignMountScanner(Path.of("/proc"), new CommandRunner());
        if (fstype == null || fstype.isBlank() || !fstype.matches("[a-z0-9._-]+")) {
            throw new IllegalArgumentException("filesystem type \"" + fstype + "\" is not a filesystem type name");
        }
        this.fstype = fstype;
        this.options = options;
        this.scanner = scanner;
    }

    /**
     * Mounts device on mountpoint. Idempotent: returns quietly when that device is already mounted
     * there. Refuses when another filesystem is mounted there or the device is mounted elsewhere.
     */
    public void mount(Path device, Path mountpoint) throws FilesystemException {
        Path dev = existingDevice(device);
        String mp = canonicalDirectory(mountpoint);
        List<MountEntry> mounts = readMountInfo();
        Optional<MountEntry> top = topmostAt(mounts, mp);
        if (top.isPresent()) {
            if (sameDevice(top.get(), dev)) {
                LOG.info("mount: " + device + " is already mounted on " + mp + ", nothing to do");
                return;
            }
            throw new FilesystemException("refusing to mount " + device + " on " + mp + ": " + top.get().source()
                    + " (" + top.get().fsType() + ") is already mounted there");
        }
        for (MountEntry e : mounts) {
            if (sameDevice(e, dev)) {
                throw new FilesystemException("refusing to mount " + device + " on " + mp
                        + ": it is already mounted on " + e.mountPoint());
            }
        }
        release(device, dev, "mount");
        try {
            LibC.INSTANCE.mount(dev.toString(), mp, fstype, new NativeLong(options.flags()), options.data());
        } catch (LastErrorException e) {
            throw new FilesystemException("mount " + device + " on " + mp + " as " + fstype + " with options \""
                    + describeOptions() + "\" failed: " + LibC.describe(e.getErrorCode()), e.getErrorCode());
        }
        Optional<MountEntry> now = topmostAt(readMountInfo(), mp);
        if (now.isEmpty() || !sameDevice(now.get(), dev)) {
            throw new FilesystemException("mount " + device + " on " + mp + " returned success but mountinfo shows "
                    + now.map(e -> e.source() + " there").orElse("nothing there"));
        }
        LOG.info("mount: mounted " + device + " on " + mp + " (" + fstype + ", " + describeOptions() + ")");
    }

    /**
     * Unmounts whatever is mounted on mountpoint, then makes sure no other mount namespace keeps
     * device mounted; returns quietly if nothing is mounted anywhere. When the kernel refuses
     * because the mount is busy, the holding processes are logged, sent SIGTERM, then SIGKILL if
     * they still hold it after holderTimeout, and the unmount is retried.
     *
     * @throws FilesystemException when it cannot unmount here, or device stays claimed elsewhere
     */
    public void unmount(Path device, Path mountpoint, Duration holderTimeout) throws FilesystemException {
        unmountHere(mountpoint, holderTimeout);
        Path dev;
        try {
            dev = device.toRealPath();
        } catch (IOException e) {
            return; // no device node (DRBD down): nothing can hold it
        }
        release(device, dev, "unmount");
    }

    private void unmountHere(Path mountpoint, Duration holderTimeout) throws FilesystemException {
        String mp;
        try {
            mp = mountpoint.toRealPath().toString();
        } catch (IOException e) {
            LOG.info("unmount: " + mountpoint + " does not exist, so nothing is mounted there");
            return;
        }
        Optional<MountEntry> entry = topmostAt(readMountInfo(), mp);
        if (entry.isEmpty()) {
            LOG.info("unmount: nothing is mounted on " + mp + ", nothing to do");
            return;
        }
        for (int round = 1; ; round++) {
            int errno = umount(mp);
            if (errno == 0) {
                LOG.info("unmount: unmounted " + entry.get().source() + " from " + mp
                        + (round > 1 ? " after ending its holders" : ""));
                return;
            }
            if (errno != LibC.EBUSY) {
                throw new FilesystemException("unmount " + mp + " failed: " + LibC.describe(errno), errno);
            }
            List<Holder> holders = scanner.scan(mp);
            if (round >= UNMOUNT_ROUNDS) {
                throw new FilesystemException("unmount " + mp + " still refused as busy after " + round + " attempts"
                        + (holders.isEmpty() ? "; no process holds it (look for mounts below it, loop devices,"
                        + " swap files or NFS exports on it)" : "; still held by " + holders), errno);
            }
            if (holders.isEmpty()) {
                LOG.warning("unmount: " + mp + " is busy but no process holds it; retrying");
                sleep(Duration.ofMillis(200L * round));
                continue;
            }
            endHolders(mp, holders, holderTimeout);
        }
    }

    /**
     * Ends every mount of dev that other mount namespaces hold. Called with nothing of dev mounted in
     * this namespace: a claim then is such a leftover (or an exclusive open hadb cannot end).
     */
    private void release(Path device, Path dev, String verb) throws FilesystemException {
        Optional<String> mm = majorMinor(dev); // empty: no such device, or not a block device
        if (mm.isEmpty() || !BlockDeviceClaim.claimed(dev)) return;
        List<ForeignMount> elsewhere = foreign.find(mm.get());
        if (elsewhere.isEmpty()) {
            throw new FilesystemException(verb + ": " + device + " is not mounted here but the kernel still counts it"
                    + " as in use (mounted in a mount namespace hadb cannot read, or opened exclusively); DRBD cannot"
                    + " change role until that ends", LibC.EBUSY);
        }
        for (ForeignMount f : elsewhere) {
            LOG.warning(verb + ": " + device + " is still " + f + ", a copy made while it was mounted here that"
                    + " would keep the filesystem alive (and DRBD Primary); unmounting it there");
            foreign.unmount(f);
        }
        if (BlockDeviceClaim.claimed(dev)) {
            throw new FilesystemException(verb + ": " + device + " is still in use after unmounting it in "
                    + elsewhere.size() + " other mount namespace(s); DRBD cannot change role until it is released",
                    LibC.EBUSY);
        }
        LOG.info(verb + ": released " + device + " in " + elsewhere.size() + " other mount namespace(s)");
    }

    /** Whether device is the filesystem on top at mountpoint. */
    public boolean isMounted(Path device, Path mountpoint) throws FilesystemException {
        Optional<MountEntry> e = mountedAt(mountpoint);
        if (e.isEmpty()) return false;
        try {
            return sameDevice(e.get(), device.toRealPath());
        } catch (IOException ex) {
            return false;
        }
    }

    /** The filesystem on top at mountpoint, if any. */
    public Optional<MountEntry> mountedAt(Path mountpoint) throws FilesystemException {
        String mp;
        try {
            mp = mountpoint.toRealPath().toString();
        } catch (IOException e) {
            return Optional.empty();
        }
        return topmostAt(readMountInfo(), mp);
    }

    private void endHolders(String mp, List<Holder> holders, Duration holderTimeout) throws FilesystemException {
        long self = ProcessHandle.current().pid();
        for (Holder h : holders) {
            if (h.pid() == self || h.pid() == 1) {
                throw new FilesystemException("unmount " + mp + " refused as busy and the holder is "
                        + (h.pid() == 1 ? "init" : "this agent itself") + ", which hadb will not kill: " + h,
                        LibC.EBUSY);
            }
        }
        for (Holder h : holders) {
            LOG.warning("unmount: " + mp + " is busy; sending SIGTERM to " + h);
            ProcessSignals.signal(h.pid(), LibC.SIGTERM);
        }
        List<Long> pids = holders.stream().map(Holder::pid).collect(Collectors.toList());
        List<Long> left = awaitReleased(mp, pids, holderTimeout);
        if (!left.isEmpty()) {
            for (long pid : left) {
                LOG.warning("unmount: pid " + pid + " still holds " + mp + " " + holderTimeout.toMillis()
                        + " ms after SIGTERM; sending SIGKILL");
                ProcessSignals.signal(pid, LibC.SIGKILL);
            }
            List<Long> stuck = ProcessSignals.awaitGone(left, KILL_GRACE);
            if (!stuck.isEmpty()) {
                LOG.warning("unmount: pids " + stuck + " survive SIGKILL (uninterruptible I/O?); retrying anyway");
            }
        }
    }

    /**
     * Waits until each holder has exited or let go of the mount (closed its files there, left it as working
     * directory): a process that lets go on SIGTERM but lives on is not killed. @return the pids still holding it
     */
    private List<Long> awaitReleased(String mp, List<Long> pids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            java.util.Set<Long> holding = scanner.scan(mp).stream().map(Holder::pid).collect(Collectors.toSet());
            List<Long> left = pids.stream().filter(p -> holding.contains(p) && !ProcessSignals.isGone(p))
                    .collect(Collectors.toList());
            if (left.isEmpty() || System.nanoTime() - deadline >= 0) return left;
            sleep(Duration.ofMillis(50));
        }
    }

    private static int umount(String mp) {
        try {
            LibC.INSTANCE.umount2(mp, 0);
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    private String describeOptions() {
        String generic = String.join(",", options.generic());
        if (generic.isEmpty()) return options.data().isEmpty() ? "defaults" : options.data();
        return options.data().isEmpty() ? generic : generic + "," + options.data();
    }

    static Optional<MountEntry> topmostAt(List<MountEntry> mounts, String mp) {
        // mountinfo lists mounts in the order they were made, so the last one at a path is on top
        MountEntry top = null;
        for (MountEntry e : mounts) {
            if (e.mountPoint().equals(mp)) top = e;
        }
        return Optional.ofNullable(top);
    }

    /** Compares by device number (robust to /dev/drbd/by-res symlinks), falling back to the source path. */
    private static boolean sameDevice(MountEntry e, Path realDevice) {
        Optional<String> mm = majorMinor(realDevice);
        if (mm.isPresent() && mm.get().equals(e.majorMinor())) return true;
        return e.source().equals(realDevice.toString());
    }

    static Optional<String> majorMinor(Path device) {
        try {
            Object rdev = Files.getAttribute(device, "unix:rdev");
            long r = ((Number) rdev).longValue();
            if (r == 0) return Optional.empty();
            return Optional.of(deviceNumber(r));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** glibc's major()/minor() split of a dev_t, printed as mountinfo prints it. */
    static String deviceNumber(long rdev) {
        long major = ((rdev >>> 8) & 0xfffL) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xffL) | ((rdev >>> 12) & ~0xffL);
        return major + ":" + minor;
    }

    private static Path existingDevice(Path device) throws FilesystemException {
        try {
            Path real = device.toRealPath();
            if (!Files.isRegularFile(real) && majorMinor(real).isEmpty()) {
                throw new FilesystemException("refusing to mount " + device + ": it is not a block device");
            }
            return real;
        } catch (IOException e) {
            throw new FilesystemException("cannot mount " + device + ": the device does not exist", LibC.ENOENT);
        }
    }

    private static String canonicalDirectory(Path mountpoint) throws FilesystemException {
        try {
            Path real = mountpoint.toRealPath();
            if (!Files.isDirectory(real)) {
                throw new FilesystemException("cannot mount on " + mountpoint + ": it is not a directory");
            }
            return real.toString();
        } catch (IOException e) {
            throw new FilesystemException("cannot mount on " + mountpoint + ": the directory does not exist",
                    LibC.ENOENT);
        }
    }

    private static List<MountEntry> readMountInfo() throws FilesystemException {
        try {
            return MountInfoParser.parse(Files.readString(Path.of("/proc/self/mountinfo")));
        } catch (IOException | IllegalArgumentException e) {
            throw new FilesystemException("cannot read /proc/self/mountinfo: " + e.getMessage());
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
