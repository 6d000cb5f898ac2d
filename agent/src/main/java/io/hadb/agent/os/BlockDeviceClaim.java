package io.hadb.agent.os;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;

/**
 * Whether the kernel counts a block device as claimed: mounted (in any mount namespace) or opened
 * exclusively. An open(2) with O_EXCL on a block device fails with EBUSY exactly then, wherever
 * the claim comes from, which /proc/self/mountinfo cannot tell: it lists this namespace's mounts only.
 */
public final class BlockDeviceClaim {
    private BlockDeviceClaim() {
    }

    /**
     * @return true when the device is claimed; false when the exclusive open succeeded or failed for any
     *         other reason (no such device, or a DRBD Secondary that refuses every open: nobody holds it)
     */
    public static boolean claimed(Path device) {
        int fd;
        try {
            // read-only: DRBD 9 auto-promotes on an open for writing
            fd = LibC.INSTANCE.open(device.toString(), LibC.O_RDONLY | LibC.O_EXCL | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            return e.getErrorCode() == LibC.EBUSY;
        }
        try {
            LibC.INSTANCE.close(fd);
        } catch (LastErrorException e) {
            // closing a read-only block device fd cannot lose anything
        }
        return false;
    }
}
