package io.hadb.testbed.drbd;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;

/**
 * Filesystem ioctls on a mount point through JNA: FIFREEZE/FITHAW (a crash-consistent copy of a
 * mounted image: dirty data is flushed and writers block until thawed) and EXT4_IOC_SHUTDOWN
 * (every later I/O on the filesystem fails with EIO: how the emulator makes a failed disk felt).
 */
final class FsIoctl {
    private static final long FIFREEZE = 0xC0045877L;
    private static final long FITHAW = 0xC0045878L;
    private static final long EXT4_IOC_SHUTDOWN = 0x8004587DL;
    private static final int EXT4_GOING_FLAGS_NOLOGFLUSH = 2;
    private static final int O_RDONLY = 0;

    interface CLib extends Library {
        int open(String path, int flags);

        int ioctl(int fd, NativeLong request, Pointer arg);

        int close(int fd);
    }

    private static final CLib C = Native.load("c", CLib.class);

    private FsIoctl() {
    }

    /**
     * FIFREEZE blocks while the filesystem's dirty data is written, with the mount point open: an agent
     * unmounting meanwhile finds this process holding the mount and sends it SIGTERM. Real DRBD freezes I/O in
     * the kernel, which no agent can kill, so the emulator ignores SIGTERM until the ioctl has returned and
     * the mount point is closed again (the agent then sees the mount let go and kills nothing).
     */
    static void freeze(String mountPoint) throws IOException {
        sun.misc.SignalHandler before = sun.misc.Signal.handle(TERM, sun.misc.SignalHandler.SIG_IGN);
        try {
            call(mountPoint, FIFREEZE, null, "FIFREEZE");
        } finally {
            sun.misc.Signal.handle(TERM, before);
        }
    }

    private static final sun.misc.Signal TERM = new sun.misc.Signal("TERM");

    static void thaw(String mountPoint) throws IOException {
        call(mountPoint, FITHAW, null, "FITHAW");
    }

    /** Shuts an ext4 filesystem down without flushing its journal, as if its disk vanished. */
    static void shutdown(String mountPoint) throws IOException {
        Memory flags = new Memory(4);
        flags.setInt(0, EXT4_GOING_FLAGS_NOLOGFLUSH);
        call(mountPoint, EXT4_IOC_SHUTDOWN, flags, "EXT4_IOC_SHUTDOWN");
    }

    private static void call(String mountPoint, long request, Pointer arg, String what) throws IOException {
        int fd = C.open(mountPoint, O_RDONLY);
        if (fd < 0) throw new IOException("open " + mountPoint + " for " + what + ": errno " + Native.getLastError());
        try {
            if (C.ioctl(fd, new NativeLong(request), arg) < 0) {
                throw new IOException(what + " on " + mountPoint + " failed: errno " + Native.getLastError());
            }
        } finally {
            C.close(fd);
        }
    }
}
